namespace QuantLab.Ml.Pipeline.Batching;

/// <summary>The night's deadline as a moment: the next time the UTC time of day comes round.</summary>
public static class NightDeadline
{
    /// <summary>With 06:00: at 00:15 it is today's 06:00, at 07:00 tomorrow's; exactly at 06:00 it is now.</summary>
    public static DateTimeOffset Next(TimeOnly deadlineUtc, DateTimeOffset now)
    {
        var utc = now.ToUniversalTime();
        var today = new DateTimeOffset(DateOnly.FromDateTime(utc.UtcDateTime).ToDateTime(deadlineUtc), TimeSpan.Zero);
        return today >= utc ? today : today.AddDays(1);
    }
}
