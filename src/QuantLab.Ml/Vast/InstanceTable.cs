using System.Globalization;

namespace QuantLab.Ml.Vast;

/// <summary>Turns instances into rows for the <c>instances</c> command, with ages and cost so far as of <see cref="TimeProvider"/>'s now.</summary>
public static class InstanceTable
{
    public static IReadOnlyList<InstanceRow> Rows(IEnumerable<VastInstance> instances, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(instances);
        ArgumentNullException.ThrowIfNull(time);
        var now = time.GetUtcNow();
        return instances.Select(i =>
        {
            var age = i.Started is { } s ? now - s : (TimeSpan?)null;
            if (age < TimeSpan.Zero)
            {
                age = TimeSpan.Zero;
            }

            var ssh = i.ResolveSsh();
            return new InstanceRow
            {
                Id = i.Id,
                SshHost = ssh?.Host,
                SshPort = ssh?.Port,
                Label = i.Label,
                Status = VastStatus.Display(i.ActualStatus),
                AgeSeconds = age is { } a ? Math.Floor(a.TotalSeconds) : null,
                PricePerHour = i.DphTotal is { } p ? Math.Round(p, 4) : null,

                // An estimate: Vast bills per second, but a stopped instance pays only storage.
                CostSoFar = age is { } b && i.DphTotal is { } q ? Math.Round(q * b.TotalHours, 4) : null,
            };
        }).ToList();
    }

    public static string Render(IReadOnlyList<InstanceRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return "no instances\n";
        }

        var c = CultureInfo.InvariantCulture;
        return TextTable.Render(
            ["ID", "LABEL", "STATUS", "AGE", "$/H", "COST SO FAR", "SSH"],
            [true, false, false, true, true, true, false],
            rows.Select(r => (IReadOnlyList<string>)
            [
                r.Id.ToString(c),
                string.IsNullOrEmpty(r.Label) ? "-" : r.Label,
                r.Status,
                r.AgeSeconds is { } a ? FormatAge(TimeSpan.FromSeconds(a)) : "-",
                r.PricePerHour?.ToString("0.000", c) ?? "-",
                r.CostSoFar?.ToString("0.00", c) ?? "-",
                r.SshHost is { } host && r.SshPort is { } port ? string.Create(c, $"ssh -p {port} root@{host}") : "-",
            ]));
    }

    /// <summary>"2d 03h", "1h 05m", "4m 09s", "12s".</summary>
    public static string FormatAge(TimeSpan age)
    {
        var c = CultureInfo.InvariantCulture;
        return age.TotalDays >= 1 ? string.Create(c, $"{(int)age.TotalDays}d {age.Hours:00}h")
            : age.TotalHours >= 1 ? string.Create(c, $"{(int)age.TotalHours}h {age.Minutes:00}m")
            : age.TotalMinutes >= 1 ? string.Create(c, $"{(int)age.TotalMinutes}m {age.Seconds:00}s")
            : string.Create(c, $"{(int)age.TotalSeconds}s");
    }
}

/// <summary>One instance as the <c>instances</c> command shows it; serialized as is for <c>--json</c>.</summary>
public sealed record InstanceRow
{
    public required long Id { get; init; }
    public string? Label { get; init; }

    /// <summary>actual_status, or "provisioning" while Vast has none yet.</summary>
    public required string Status { get; init; }
    public double? AgeSeconds { get; init; }
    public double? PricePerHour { get; init; }

    /// <summary>Estimated $ spent so far: $/h × age.</summary>
    public double? CostSoFar { get; init; }

    /// <summary>Where to ssh in (as root) once Vast has mapped the port; null before. Only an operator key attached to the rental gets in.</summary>
    public string? SshHost { get; init; }
    public int? SshPort { get; init; }
}
