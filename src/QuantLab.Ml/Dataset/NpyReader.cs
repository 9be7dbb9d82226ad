using System.Runtime.InteropServices;

namespace QuantLab.Ml.Dataset;

/// <summary>Reads the trainer's NPY outputs; anything but the exact dtype, C order and rank asked for is a clear error.</summary>
public static class NpyReader
{
    /// <summary>Reads a 2-D little-endian float32 C-order array ('&lt;f4'), e.g. predictions.npy (n × 3).</summary>
    public static Float32Matrix ReadFloat32Matrix(string path)
    {
        using var stream = Open(path);
        var shape = ReadHeader(stream, path, NpyHeader.Float32, rank: 2, "a float32 matrix");
        var values = ReadValues<float>(stream, path, shape);
        return new Float32Matrix { Rows = (int)shape[0], Columns = (int)shape[1], Values = values };
    }

    /// <summary>Reads a 1-D little-endian int32 array ('&lt;i4').</summary>
    public static int[] ReadInt32Vector(string path)
    {
        using var stream = Open(path);
        var shape = ReadHeader(stream, path, NpyHeader.Int32, rank: 1, "an int32 vector");
        return ReadValues<int>(stream, path, shape);
    }

    private static FileStream Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new NpyFormatException($"cannot read {path}: {ex.Message}", ex);
        }
    }

    private static long[] ReadHeader(Stream stream, string path, string descr, int rank, string what)
    {
        var header = NpyHeader.Read(stream, path);
        if (header.Descr != descr || header.FortranOrder || header.Shape.Length != rank)
        {
            throw new NpyFormatException(
                $"{path} must hold {what} ('{descr}', C order, {rank}-D) but has dtype '{header.Descr}', "
                + $"{(header.FortranOrder ? "Fortran" : "C")} order, shape {NpyHeader.ShapeText(header.Shape)}");
        }

        return header.Shape;
    }

    private static T[] ReadValues<T>(Stream stream, string path, long[] shape)
        where T : unmanaged
    {
        long count = 1;
        foreach (long d in shape)
        {
            count = d <= Array.MaxLength && count <= Array.MaxLength ? count * d : long.MaxValue;
        }

        int size = Marshal.SizeOf<T>();
        long expected = count > Array.MaxLength ? long.MaxValue : count * size;
        long remaining = stream.Length - stream.Position;
        if (remaining != expected)
        {
            throw new NpyFormatException(
                $"{path} has {remaining} data bytes but shape {NpyHeader.ShapeText(shape)} needs {(count > Array.MaxLength ? "more than 2^31 values" : expected.ToString(System.Globalization.CultureInfo.InvariantCulture))}: truncated or corrupt");
        }

        var values = new T[count];
        stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("NPY reading needs a little-endian host");
        }

        return values;
    }
}
