using QuantLab.Ml.Common;
using QuantLab.Ml.Storage;

namespace QuantLab.Ml.Tests.Storage;

[Trait("Category", "Unit")]
public sealed class InstanceStatusTests
{
    [Theory]
    [InlineData(InstanceStatus.Creating, "creating")]
    [InlineData(InstanceStatus.Created, "created")]
    [InlineData(InstanceStatus.Running, "running")]
    [InlineData(InstanceStatus.Destroyed, "destroyed")]
    [InlineData(InstanceStatus.Failed, "failed")]
    [InlineData(InstanceStatus.DestroyFailed, "destroy_failed")]
    [InlineData(InstanceStatus.Reaped, "reaped")]
    public void A_record_s_status_is_stored_under_the_same_name_as_before_the_enum(InstanceStatus status, string onDisk)
    {
        var record = new InstanceRecord
        {
            AttemptId = "run-1-job-1", Label = "quantlab-ml:job", JobId = "job", RunId = "run-1", OwnerHost = "h", OwnerPid = 1,
            CreatedAt = DateTimeOffset.UnixEpoch, Status = status,
        };

        var json = Json.Serialize(record, StorageJson.Compact.InstanceRecord);

        Assert.Contains($"\"status\":\"{onDisk}\"", json, StringComparison.Ordinal);
        Assert.Equal(status, Json.Deserialize(json, StorageJson.Compact.InstanceRecord, "test").Status);
        Assert.Equal(onDisk, status.Wire());
        Assert.Equal(status, InstanceStatusNames.Parse(onDisk));
    }

    [Fact]
    public void A_record_with_a_status_no_version_wrote_is_refused_by_name() =>
        Assert.Throws<ArgumentException>(() => InstanceStatusNames.Parse("exploded"));
}
