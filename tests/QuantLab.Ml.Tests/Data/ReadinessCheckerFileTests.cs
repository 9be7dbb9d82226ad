using QuantLab.Ml.Data;
using QuantLab.Ml.Tests.Support;
using static QuantLab.Ml.Tests.Data.ReadinessChecks;

namespace QuantLab.Ml.Tests.Data;

/// <summary>Readiness of one day from its files: present, whole, matching meta.json, readable, with the columns and order training needs.</summary>
[Trait("Category", "Unit")]
public sealed class ReadinessCheckerFileTests
{
    [Fact]
    public async Task A_missing_data_file_fails()
    {
        using var dir = new TempDir();
        await WriteAsync(dir);
        File.Delete(dir.File(DataTestFiles.DataKey(Day)));

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, $"{DataTestFiles.DataKey(Day)} is missing");
    }

    [Fact]
    public async Task A_missing_meta_json_fails()
    {
        using var dir = new TempDir();
        await WriteAsync(dir);
        File.Delete(dir.File(DataTestFiles.MetaKey(Day)));

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, $"{DataTestFiles.MetaKey(Day)} is missing");
    }

    [Fact]
    public async Task A_malformed_meta_json_fails_naming_it()
    {
        using var dir = new TempDir();
        await WriteAsync(dir);
        await File.WriteAllTextAsync(dir.File(DataTestFiles.MetaKey(Day)), "{\"rows\": \"lots\"}", Ct);

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, $"{DataTestFiles.MetaKey(Day)} is not valid JSON");
    }

    [Fact]
    public async Task A_truncated_data_file_fails_on_its_size()
    {
        using var dir = new TempDir();
        var written = await WriteAsync(dir);
        var path = dir.File(DataTestFiles.DataKey(Day));
        using (var file = File.OpenWrite(path))
        {
            file.SetLength(written.Partitions[0].SizeBytes / 2);
        }

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, $"is {written.Partitions[0].SizeBytes / 2} bytes but compacted/_state.json says total_size_bytes {written.Partitions[0].SizeBytes}");
    }

    [Fact]
    public async Task A_truncated_data_file_with_matching_meta_fails_as_unreadable()
    {
        using var dir = new TempDir();
        var written = await WriteAsync(dir);
        using (var file = File.OpenWrite(dir.File(DataTestFiles.DataKey(Day))))
        {
            file.SetLength(written.Partitions[0].SizeBytes / 2);
        }

        await DataTestFiles.ResealAsync(dir, Day, written.Partitions[0].Rows, Ct);

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, "is not a readable parquet file");
    }

    [Fact]
    public async Task A_sha256_differing_from_meta_json_fails_naming_both()
    {
        using var dir = new TempDir();
        var written = await WriteAsync(dir);
        var wrong = new string('0', 64);
        await DataTestFiles.EditMetaAsync(dir, Day, m => m["sha256"] = wrong, Ct);

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, $"sha256 of {DataTestFiles.DataKey(Day)} is {written.Partitions[0].Sha256} but meta.json says {wrong}");
    }

    [Fact]
    public async Task A_row_count_differing_from_meta_json_fails_naming_both()
    {
        using var dir = new TempDir();
        var written = await WriteAsync(dir);
        await DataTestFiles.EditMetaAsync(dir, Day, m => m["rows"] = 12345, Ct);

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, $"has {written.Partitions[0].Rows} rows but meta.json says 12345");
    }

    [Fact]
    public async Task An_unsupported_schema_version_fails()
    {
        using var dir = new TempDir();
        await WriteAsync(dir);
        await DataTestFiles.EditMetaAsync(dir, Day, m => m["schema_version"] = 2, Ct);

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, "schema_version 2");
    }

    [Fact]
    public async Task A_data_file_lacking_a_bbo_column_fails_naming_it()
    {
        using var dir = new TempDir();
        await WriteAsync(dir);
        await DataTestFiles.WriteRawAsync(dir.File(DataTestFiles.DataKey(Day)), Ct, [.. DataTestFiles.RawBboColumns().Where(c => c.Field.Name != CompactSchema.AskPrice)]);
        await DataTestFiles.ResealAsync(dir, Day, 3, Ct);

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, "schema lacks the BBO column ask_price");
    }

    [Fact]
    public async Task A_data_file_with_unusable_column_types_fails()
    {
        using var dir = new TempDir();
        await WriteAsync(dir);
        var columns = DataTestFiles.RawBboColumns();
        columns[1] = (new Parquet.Schema.DataField<double?>(CompactSchema.Seq), new double?[] { 1, 2, 3 });
        await DataTestFiles.WriteRawAsync(dir.File(DataTestFiles.DataKey(Day)), Ct, [.. columns]);
        await DataTestFiles.ResealAsync(dir, Day, 3, Ct);

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, "column seq is Double, expected Int64");
    }

    [Fact]
    public async Task A_data_file_not_ordered_by_event_time_and_sequence_fails()
    {
        using var dir = new TempDir();
        await WriteAsync(dir);
        var path = dir.File(DataTestFiles.DataKey(Day));
        await DataTestFiles.WriteAsync(path, DataTestFiles.Rows((1000, 1, 1), (3000, 2, 1), (2000, 3, 1)), Ct);
        await DataTestFiles.ResealAsync(dir, Day, 3, Ct);

        var report = await CheckAsync(dir);

        AssertStatus(report, ReadinessStatus.Failed, "not strictly ordered by (ts_event, seq)");
    }
}
