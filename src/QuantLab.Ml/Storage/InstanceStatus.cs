using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Storage;

/// <summary>How far a recorded rental got; stored in the instance record under these exact snake_case names.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<InstanceStatus>))]
public enum InstanceStatus
{
    /// <summary>Recorded before the create call: the instance may or may not exist yet.</summary>
    [JsonStringEnumMemberName("creating")] Creating,
    [JsonStringEnumMemberName("created")] Created,
    [JsonStringEnumMemberName("running")] Running,

    /// <summary>Destroyed and verified gone after a good (or interrupted) run.</summary>
    [JsonStringEnumMemberName("destroyed")] Destroyed,

    /// <summary>The run failed; the instance is gone when <see cref="InstanceRecord.DestroyedAt"/> is set.</summary>
    [JsonStringEnumMemberName("failed")] Failed,

    /// <summary>The destroy could not be verified: it may still bill, and reap-orphans retries it.</summary>
    [JsonStringEnumMemberName("destroy_failed")] DestroyFailed,

    /// <summary>reap-orphans destroyed it.</summary>
    [JsonStringEnumMemberName("reaped")] Reaped,
}

/// <summary>The names of <see cref="InstanceStatus"/> as the record stores them, for log lines and tables.</summary>
public static class InstanceStatusNames
{
    /// <summary>The name on disk (and in logs and tables), e.g. "destroy_failed".</summary>
    public static string Wire(this InstanceStatus status) => Json.Name(status, StorageJson.Compact.InstanceStatus);

    /// <summary>The status named <paramref name="wire"/> as on disk; throws for a name no record carries.</summary>
    public static InstanceStatus Parse(string wire) =>
        Enum.GetValues<InstanceStatus>().FirstOrDefault(s => s.Wire() == wire, (InstanceStatus)(-1)) is var found && Enum.IsDefined(found)
            ? found
            : throw new ArgumentException($"unknown instance status '{wire}'", nameof(wire));
}
