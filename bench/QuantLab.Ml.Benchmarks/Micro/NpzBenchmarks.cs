using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Benchmarks.Micro;

/// <summary>Phase 5 on one day: the npz into memory-free sinks (CRC and layout only), its checksums alone, and the real file write.</summary>
public class NpzBenchmarks
{
    private string directory = "";

    [GlobalSetup]
    public void Setup()
    {
        _ = MicroInputs.OneDay;
        directory = Directory.CreateTempSubdirectory("quantlab-npz-bench-").FullName;
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(directory, recursive: true);

    /// <summary>Zip layout and CRC-32 of every entry, written to Stream.Null: no disk, no hash.</summary>
    [Benchmark]
    public void NpzToNullStream()
    {
        var day = MicroInputs.OneDay;
        using var npz = new NpzWriter(Stream.Null);
        npz.AddFloat32Matrix("X_train", day.Features.RowSpan(day.Split.Train.Start, day.Split.Train.Count), day.Split.Train.Count, day.Features.Columns);
        npz.AddInt32Vector("y_train", day.Labels.Classes.AsSpan(day.Split.Train.Start, day.Split.Train.Count));
        npz.Finish();
    }

    /// <summary>CRC-32 over the whole feature matrix (~30 MB).</summary>
    [Benchmark]
    public uint Crc32OfFeatures() => System.IO.Hashing.Crc32.HashToUInt32(NpyWriter.AsBytes<float>(MicroInputs.OneDay.Features.Values));

    /// <summary>SHA-256 over the whole feature matrix, the cost the dataset sha256 adds to the write.</summary>
    [Benchmark]
    public byte[] Sha256OfFeatures() => SHA256.HashData(NpyWriter.AsBytes<float>(MicroInputs.OneDay.Features.Values));

    /// <summary>What the nightly run does: dataset.npz to disk through the hashing stream and the rename.</summary>
    [Benchmark]
    public string WriteDatasetNpz()
    {
        var day = MicroInputs.OneDay;
        return DatasetBuilder.WriteNpz(Path.Combine(directory, DatasetBuilder.FileName), day.Features, day.Labels, day.Split);
    }
}
