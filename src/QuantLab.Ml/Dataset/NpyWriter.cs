using System.Runtime.InteropServices;
using System.Text;

namespace QuantLab.Ml.Dataset;

/// <summary>Writes NPY v1.0 arrays: float32 C-order matrices, int32 vectors and fixed-width unicode string vectors.</summary>
public static class NpyWriter
{
    public static void WriteFloat32Matrix(Stream output, ReadOnlySpan<float> values, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write(Float32MatrixHeader(values.Length, rows, columns));
        output.Write(AsBytes(values));
    }

    public static void WriteInt32Vector(Stream output, ReadOnlySpan<int> values)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write(Int32VectorHeader(values.Length));
        output.Write(AsBytes(values));
    }

    /// <summary>Writes a 1-D '&lt;U{n}' array, n being the longest string (at least 1), as numpy stores str arrays.</summary>
    public static void WriteUnicodeVector(Stream output, IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(output);
        var (header, payload) = UnicodeVector(values);
        output.Write(header);
        output.Write(payload);
    }

    internal static byte[] Float32MatrixHeader(int valueCount, int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if ((long)rows * columns != valueCount)
        {
            throw new ArgumentException($"{valueCount} values do not make a {rows} x {columns} matrix", nameof(valueCount));
        }

        return NpyHeader.Build(NpyHeader.Float32, [rows, columns]);
    }

    internal static byte[] Int32VectorHeader(int length) => NpyHeader.Build(NpyHeader.Int32, [length]);

    /// <summary>Header and UTF-32LE payload (numpy's str dtype), each string zero-padded to the common width.</summary>
    internal static (byte[] Header, byte[] Payload) UnicodeVector(IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var utf32 = new UTF32Encoding(bigEndian: false, byteOrderMark: false, throwOnInvalidCharacters: true);
        int width = 1;
        foreach (var value in values)
        {
            width = Math.Max(width, utf32.GetByteCount(value) / 4);
        }

        var payload = new byte[values.Count * width * 4];
        for (int i = 0; i < values.Count; i++)
        {
            utf32.GetBytes(values[i], payload.AsSpan(i * width * 4, width * 4));
        }

        var header = NpyHeader.Build("<U" + width.ToString(System.Globalization.CultureInfo.InvariantCulture), [values.Count]);
        return (header, payload);
    }

    /// <summary>The raw little-endian bytes of the values, without a copy.</summary>
    internal static ReadOnlySpan<byte> AsBytes<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian)
        {
            // Every supported host is little-endian; on another, the raw memory would not be '<f4' / '<i4'.
            throw new PlatformNotSupportedException("NPY writing needs a little-endian host");
        }

        return MemoryMarshal.AsBytes(values);
    }
}
