using QuantLab.Ml.Pipeline.Batching;
using static QuantLab.Ml.Tests.Pipeline.Batching.BatchingTestData;

namespace QuantLab.Ml.Tests.Pipeline.Batching;

[Trait("Category", "Unit")]
public sealed class BatchPackerTests
{
    // Seconds chosen so the longest-first walk can be followed on paper; j and k tie at 10 s.
    private static readonly BatchItem[] Twelve =
    [
        Item("a", 100), Item("b", 90), Item("c", 80), Item("d", 70), Item("e", 60), Item("f", 50),
        Item("g", 40), Item("h", 30), Item("i", 20), Item("j", 10), Item("k", 10), Item("l", 5),
    ];

    [Fact]
    public void Packs_longest_jobs_first_onto_the_least_loaded_instance()
    {
        var packed = BatchPacker.Pack(Twelve, 3, FreeAndInstant);

        // a→0 b→1 c→2 | d→2 (80) e→1 (90) f→0 (100) | all at 150: g→0 h→1 i→2 | j→2 (170) k→1 (180 tie, lower index) l→2.
        Assert.Equal(["a", "f", "g"], Symbols(packed[0]));
        Assert.Equal(["b", "e", "h", "k"], Symbols(packed[1]));
        Assert.Equal(["c", "d", "i", "j", "l"], Symbols(packed[2]));
        Assert.Equal([190.0, 190.0, 185.0], packed.Select(a => a.Expected.TotalSeconds));
        Assert.Equal([0, 1, 2], packed.Select(a => a.Index));
    }

    [Fact]
    public void The_same_jobs_in_any_order_pack_the_same_way()
    {
        var expected = BatchPacker.Pack(Twelve, 3, FreeAndInstant);
        var random = new Random(20260314);
        for (var round = 0; round < 20; round++)
        {
            var shuffled = Twelve.ToArray();
            random.Shuffle(shuffled);

            var packed = BatchPacker.Pack(shuffled, 3, FreeAndInstant);

            Assert.Equal(expected.Select(a => a.Items.Select(i => i.JobId)), packed.Select(a => a.Items.Select(i => i.JobId)));
        }
    }

    [Fact]
    public void Jobs_of_equal_length_go_out_by_symbol_then_job_id()
    {
        BatchItem[] items =
        [
            Item("solusdt", 60), Item("ethusdt", 60, jobId: "job-ethusdt-b"), Item("btcusdt", 60), Item("ethusdt", 60, jobId: "job-ethusdt-a"),
        ];

        var packed = BatchPacker.Pack(items, 4, FreeAndInstant);

        Assert.Equal(
            ["job-btcusdt-20260314", "job-ethusdt-a", "job-ethusdt-b", "job-solusdt-20260314"],
            packed.Select(a => Assert.Single(a.Items).JobId));
    }

    [Fact]
    public void More_instances_than_jobs_rents_one_per_job_and_places_each_once()
    {
        var items = ThreeJobs();

        var packed = BatchPacker.Pack(items, 10, FreeAndInstant);

        Assert.Equal(3, packed.Count);
        Assert.All(packed, a => Assert.NotEmpty(a.Items));
        Assert.Equal(items.Select(i => i.JobId).Order(StringComparer.Ordinal), packed.SelectMany(a => a.Items).Select(i => i.JobId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_job_is_placed_exactly_once_for_every_instance_count()
    {
        for (var k = 1; k <= 14; k++)
        {
            var packed = BatchPacker.Pack(Twelve, k, FreeAndInstant);

            Assert.Equal(Math.Min(k, Twelve.Length), packed.Count);
            Assert.All(packed, a => Assert.NotEmpty(a.Items));
            Assert.Equal(Twelve.Select(i => i.JobId).Order(StringComparer.Ordinal), packed.SelectMany(a => a.Items).Select(i => i.JobId).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void An_instance_is_expected_to_take_its_setup_plus_each_job_and_its_overhead()
    {
        var packed = BatchPacker.Pack(ThreeJobs(), 2, Rented);

        // 0: setup 600 + btc (3600 + 300); 1: setup 600 + eth (1800 + 300) + sol (1800 + 300).
        Assert.Equal(["btcusdt"], Symbols(packed[0]));
        Assert.Equal(["ethusdt", "solusdt"], Symbols(packed[1]));
        Assert.Equal(TimeSpan.FromSeconds(4500), packed[0].Expected);
        Assert.Equal(TimeSpan.FromSeconds(4800), packed[1].Expected);
    }

    [Fact]
    public void Per_job_overhead_counts_when_choosing_the_least_loaded_instance()
    {
        // Without overhead the 15 s job lands beside b and c (80 < 100); with 30 s per job they already carry
        // 2 × 70 = 140 against a's 130, so it joins a instead.
        BatchItem[] items = [Item("a", 100), Item("b", 40), Item("c", 40), Item("d", 15)];
        var cost = FreeAndInstant with { PerJobOverhead = TimeSpan.FromSeconds(30) };

        var bare = BatchPacker.Pack(items, 2, FreeAndInstant);
        var packed = BatchPacker.Pack(items, 2, cost);

        Assert.Equal(["b", "c", "d"], Symbols(bare[1]));
        Assert.Equal(["a", "d"], Symbols(packed[0]));
        Assert.Equal(["b", "c"], Symbols(packed[1]));
    }

    [Fact]
    public void Nonsense_input_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchPacker.Pack(ThreeJobs(), 0, FreeAndInstant));
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchPacker.Pack([Item("btcusdt", -1)], 1, FreeAndInstant));
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchPacker.Pack([Item("btcusdt", double.NaN)], 1, FreeAndInstant));
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchPacker.Pack([Item("btcusdt", 1, bytes: -1)], 1, FreeAndInstant));
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchPacker.Pack(ThreeJobs(), 1, FreeAndInstant with { PerJobOverhead = TimeSpan.FromSeconds(-1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchPacker.Pack(ThreeJobs(), 1, FreeAndInstant with { DollarsPerHour = -0.1 }));
        Assert.Throws<ArgumentException>(() => BatchPacker.Pack([Item("btcusdt", 1), Item("btcusdt", 2)], 1, FreeAndInstant));
        Assert.Throws<ArgumentNullException>(() => BatchPacker.Pack(null!, 1, FreeAndInstant));
        Assert.Throws<ArgumentNullException>(() => BatchPacker.Pack(ThreeJobs(), 1, null!));
    }
}
