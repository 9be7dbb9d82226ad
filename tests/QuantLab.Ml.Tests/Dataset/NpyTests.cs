using QuantLab.Ml.Tests.Support;
using System.Buffers.Binary;
using System.Text;
using QuantLab.Ml.Dataset;

namespace QuantLab.Ml.Tests.Dataset;

[Trait("Category", "Unit")]
public sealed class NpyTests
{
    [Fact]
    public void A_float32_matrix_round_trips_through_writer_and_reader()
    {
        using var dir = new TempDir();
        float[] values = [.. Enumerable.Range(0, 7 * 3).Select(i => (i * 0.37f) - 2.5f)];
        WriteFile(dir.File("m.npy"), s => NpyWriter.WriteFloat32Matrix(s, values, 7, 3));

        var matrix = NpyReader.ReadFloat32Matrix(dir.File("m.npy"));

        Assert.Equal((7, 3), (matrix.Rows, matrix.Columns));
        Assert.Equal(values, matrix.Values);
        Assert.Equal(values[(4 * 3) + 2], matrix[4, 2]);
    }

    [Fact]
    public void An_int32_vector_round_trips_through_writer_and_reader()
    {
        using var dir = new TempDir();
        int[] values = [2, 0, 1, -5, int.MaxValue];
        WriteFile(dir.File("v.npy"), s => NpyWriter.WriteInt32Vector(s, values));

        Assert.Equal(values, NpyReader.ReadInt32Vector(dir.File("v.npy")));
    }

    [Fact]
    public void Headers_are_v1_with_data_aligned_to_64_bytes()
    {
        foreach (var header in new[] { NpyWriter.Float32MatrixHeader(0, 0, 16), NpyWriter.Int32VectorHeader(123_456), NpyWriter.UnicodeVector(["a", "bcd"]).Header })
        {
            Assert.Equal([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0], header[..8]);
            Assert.Equal(header.Length - 10, header[8] | (header[9] << 8));
            Assert.Equal(0, header.Length % 64);
            Assert.Equal((byte)'\n', header[^1]);
        }

        Assert.Contains("'shape': (123456,)", Encoding.ASCII.GetString(NpyWriter.Int32VectorHeader(123_456)), StringComparison.Ordinal);
    }

    [Fact]
    public void Unicode_vectors_are_utf32_padded_to_the_longest_name()
    {
        var (header, payload) = NpyWriter.UnicodeVector(["ret_1", "imbalance"]);

        Assert.Contains("'descr': '<U9'", Encoding.ASCII.GetString(header), StringComparison.Ordinal);
        Assert.Equal(2 * 9 * 4, payload.Length);
        Assert.Equal("ret_1\0\0\0\0imbalance", Encoding.UTF32.GetString(payload));
    }

    [Fact]
    public void Reading_the_wrong_dtype_names_what_was_expected_and_what_was_found()
    {
        using var dir = new TempDir();
        string path = dir.File("labels.npy");
        WriteFile(path, s => NpyWriter.WriteInt32Vector(s, [1, 2, 3]));

        var ex = Assert.Throws<NpyFormatException>(() => NpyReader.ReadFloat32Matrix(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("'<f4'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("dtype '<i4'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("shape (3,)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reading_a_truncated_file_fails_clearly()
    {
        using var dir = new TempDir();
        string path = dir.File("p.npy");
        WriteFile(path, s => NpyWriter.WriteFloat32Matrix(s, new float[30], 10, 3));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^5]);

        var ex = Assert.Throws<NpyFormatException>(() => NpyReader.ReadFloat32Matrix(path));

        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reading_something_that_is_not_npy_or_not_there_fails_clearly()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("x.npy"), "{\"predictions\": []}");

        var notNpy = Assert.Throws<NpyFormatException>(() => NpyReader.ReadFloat32Matrix(dir.File("x.npy")));
        var missing = Assert.Throws<NpyFormatException>(() => NpyReader.ReadFloat32Matrix(dir.File("missing.npy")));

        Assert.Contains("is not an NPY file", notNpy.Message, StringComparison.Ordinal);
        Assert.Contains("cannot read", missing.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(100_000)]
    public void Each_npz_entry_carries_the_zip_crc_of_its_bytes(int length)
    {
        var rng = new Random(length);
        int[] values = [.. Enumerable.Range(0, length).Select(_ => rng.Next())];
        using var buffer = new MemoryStream();
        using (var npz = new NpzWriter(buffer, leaveOpen: true))
        {
            npz.AddInt32Vector("v", values);
            npz.Finish();
        }

        // Local file header: CRC at offset 14, stored size at 18, name length at 26; the entry's bytes follow the name.
        var zip = buffer.ToArray().AsSpan();
        var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip[18..]);
        var entry = zip.Slice(30 + BinaryPrimitives.ReadUInt16LittleEndian(zip[26..]), size);
        Assert.Equal(BitwiseCrc(entry), BinaryPrimitives.ReadUInt32LittleEndian(zip[14..]));
        Assert.Equal(0xCBF43926u, BitwiseCrc("123456789"u8));
    }

    [Fact]
    public void The_npz_layout_is_pinned_byte_for_byte()
    {
        // Exact binary fractions and small integers: the bytes depend on the layout alone, never on arithmetic. The job id
        // hashes dataset.npz, so any change to how it is written (even an equivalent zip) must show up here first.
        float[] x = [.. Enumerable.Range(0, 6 * 4).Select(i => (i * 0.25f) - 3f)];
        int[] y = [0, 1, 2, 1, 0, 2];
        using var buffer = new MemoryStream();
        using (var npz = new NpzWriter(buffer, leaveOpen: true))
        {
            npz.AddFloat32Matrix("X_train", x, 6, 4);
            npz.AddInt32Vector("y_train", y);
            npz.AddUnicodeVector("feature_names", ["ret_1", "vol_10", "spread_bps", "imbalance"]);
            npz.Finish();
        }

        Assert.Equal("4b57fd3fa73826006e08a4a1bf936592d7591b860ffc71ff0bda1753ce1e2f3c", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(buffer.ToArray())));
    }

    private static uint BitwiseCrc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }

    private static void WriteFile(string path, Action<Stream> write)
    {
        using var stream = File.Create(path);
        write(stream);
    }
}
