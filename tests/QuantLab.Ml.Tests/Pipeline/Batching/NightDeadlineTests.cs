using QuantLab.Ml.Pipeline.Batching;

namespace QuantLab.Ml.Tests.Pipeline.Batching;

[Trait("Category", "Unit")]
public sealed class NightDeadlineTests
{
    private static readonly TimeOnly SixAm = new(6, 0);

    [Theory]
    [InlineData("2026-03-14T00:15:00Z", "2026-03-14T06:00:00Z")]
    [InlineData("2026-03-14T05:59:59Z", "2026-03-14T06:00:00Z")]
    [InlineData("2026-03-14T06:00:00Z", "2026-03-14T06:00:00Z")]
    [InlineData("2026-03-14T06:00:01Z", "2026-03-15T06:00:00Z")]
    [InlineData("2026-03-14T07:00:00Z", "2026-03-15T06:00:00Z")]
    [InlineData("2026-12-31T23:00:00Z", "2027-01-01T06:00:00Z")]
    public void The_next_six_am_utc_at_or_after_now(string now, string expected)
    {
        var next = NightDeadline.Next(SixAm, DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), next);
        Assert.Equal(TimeSpan.Zero, next.Offset);
    }

    [Fact]
    public void A_clock_in_another_zone_is_read_in_utc()
    {
        // 07:30 in UTC+2 is 05:30 UTC: the deadline is still ahead today.
        var now = new DateTimeOffset(2026, 3, 14, 7, 30, 0, TimeSpan.FromHours(2));

        Assert.Equal(new DateTimeOffset(2026, 3, 14, 6, 0, 0, TimeSpan.Zero), NightDeadline.Next(SixAm, now));
    }
}
