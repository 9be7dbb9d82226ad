using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using QuantLab.Ml.Vast;
using QuantLab.Ml.Tests.Support;

namespace QuantLab.Ml.Tests.Vast;

[Trait("Category", "Unit")]
public sealed class VastTablesTests
{
    [Fact]
    public void Offer_rows_show_id_gpu_real_price_reliability_inet_location_and_cuda()
    {
        VastOffer[] offers =
        [
            new() { Id = 41001, NumGpus = 1, GpuName = "RTX 4090", DphBase = 0.30, StorageCost = 0.144, Reliability2 = 0.9912, InetDown = 812.4, Geolocation = "Stockholm, SE", CudaMaxGood = 12.8 },
        ];

        var row = Assert.Single(OfferTable.Rows(offers, diskGb: 50));

        Assert.Equal(41001, row.Id);
        Assert.Equal("1x RTX 4090", row.Gpu);
        Assert.Equal(0.31, row.PricePerHour);
        Assert.Equal(0.9912, row.Reliability);
        Assert.Equal(812.4, row.InetDownMbps);
        Assert.Equal("Stockholm, SE", row.Location);
        Assert.Equal(12.8, row.Cuda);

        var text = OfferTable.Render([row]);
        var lines = text.TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Equal(["ID", "GPU", "$/H", "RELIABILITY", "INET", "DOWN", "LOCATION", "CUDA"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("41001  1x RTX 4090  0.310", lines[1], StringComparison.Ordinal);
        Assert.Contains("Stockholm, SE", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Offer_json_is_snake_case()
    {
        var rows = OfferTable.Rows([new VastOffer { Id = 5, NumGpus = 1, GpuName = "RTX 4090", DphTotal = 0.4 }], 50);

        using var doc = JsonDocument.Parse(AllJson.Serialize(rows));
        var first = doc.RootElement[0];
        Assert.Equal(5, first.GetProperty("id").GetInt64());
        Assert.Equal(0.4, first.GetProperty("price_per_hour").GetDouble());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("inet_down_mbps").ValueKind);
    }

    [Fact]
    public void Instance_rows_compute_age_and_cost_so_far_from_the_clock()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 14, 12, 0, 0, TimeSpan.Zero));
        var started = time.GetUtcNow().AddHours(-2).AddMinutes(-30).ToUnixTimeSeconds();
        VastInstance[] instances =
        [
            new() { Id = 7, Label = "quantlab-ml:btc", ActualStatus = "running", StartDate = started, DphTotal = 0.40 },
            new() { Id = 8, Label = null, ActualStatus = null },
        ];

        var rows = InstanceTable.Rows(instances, time);

        Assert.Equal(9000, rows[0].AgeSeconds);
        Assert.Equal(1.0, rows[0].CostSoFar);
        Assert.Equal("provisioning", rows[1].Status);
        Assert.Null(rows[1].AgeSeconds);
        var text = InstanceTable.Render(rows);
        Assert.Contains("quantlab-ml:btc  running", text, StringComparison.Ordinal);
        Assert.Contains("2h 30m", text, StringComparison.Ordinal);
        Assert.Contains("1.00", text, StringComparison.Ordinal);

        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1.4, InstanceTable.Rows(instances, time)[0].CostSoFar);
    }

    [Theory]
    [InlineData(12, "12s")]
    [InlineData(249, "4m 09s")]
    [InlineData(3900, "1h 05m")]
    [InlineData(183600, "2d 03h")]
    public void Ages_read_like_a_person_would_write_them(int seconds, string expected) =>
        Assert.Equal(expected, InstanceTable.FormatAge(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Empty_tables_say_so_and_hostile_labels_cannot_move_the_cursor()
    {
        Assert.Equal("no matching offers\n", OfferTable.Render([]));
        Assert.Equal("no instances\n", InstanceTable.Render([]));

        var text = InstanceTable.Render([new InstanceRow { Id = 1, Label = "x\u001b[2Jy", Status = "running" }]);
        Assert.DoesNotContain('\u001b', text);
    }
}
