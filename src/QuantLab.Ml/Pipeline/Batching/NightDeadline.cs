namespace QuantLab.Ml.Pipeline.Batching;

/// <summary>Turns the configured time-of-day deadline into the instant tonight's run must finish by.</summary>
public static class NightDeadline
{
    /// <summary>The next <paramref name="deadlineUtc"/> (UTC) at or after <paramref name="now"/>: with 06:00, 00:15 → today 06:00, 07:00 → tomorrow 06:00.</summary>
    public static DateTimeOffset Next(TimeOnly deadlineUtc, DateTimeOffset now)
    {
        var utc = now.ToUniversalTime();
        var today = new DateTimeOffset(DateOnly.FromDateTime(utc.UtcDateTime), deadlineUtc, TimeSpan.Zero);
        return today >= utc ? today : today.AddDays(1);
    }
}
