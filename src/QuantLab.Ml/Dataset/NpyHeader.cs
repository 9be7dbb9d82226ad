using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace QuantLab.Ml.Dataset;

/// <summary>The NPY header: magic, version, and the Python-literal dict of dtype, order and shape.</summary>
/// <remarks>Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html</remarks>
internal static partial class NpyHeader
{
    public const string Float32 = "<f4";
    public const string Int32 = "<i4";

    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    // numpy pads the header so the data starts on a 64-byte boundary; so do we.
    private const int Alignment = 64;

    /// <summary>A v1.0 header laid out as numpy writes it (sorted keys, space padding, trailing newline).</summary>
    public static byte[] Build(string descr, ReadOnlySpan<long> shape)
    {
        var shapeText = new StringBuilder("(");
        for (int i = 0; i < shape.Length; i++)
        {
            shapeText.Append(i == 0 ? string.Empty : ", ").Append(shape[i].ToString(CultureInfo.InvariantCulture));
        }

        shapeText.Append(shape.Length == 1 ? ",)" : ")");
        string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeText + ", }";
        int unpadded = Magic.Length + 2 + 2 + dict.Length + 1;
        int padding = (Alignment - (unpadded % Alignment)) % Alignment;
        int headerLength = dict.Length + padding + 1;
        if (headerLength > ushort.MaxValue)
        {
            throw new NpyFormatException($"npy header of {headerLength} bytes does not fit a v1.0 file");
        }

        var bytes = new byte[Magic.Length + 4 + headerLength];
        Magic.CopyTo(bytes, 0);
        bytes[6] = 1;
        bytes[7] = 0;
        bytes[8] = (byte)(headerLength & 0xFF);
        bytes[9] = (byte)(headerLength >> 8);
        int written = Encoding.ASCII.GetBytes(dict, bytes.AsSpan(10));
        bytes.AsSpan(10 + written, padding).Fill((byte)' ');
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    /// <summary>Reads and parses the header of <paramref name="stream"/>, leaving it at the first data byte.</summary>
    public static (string Descr, bool FortranOrder, long[] Shape) Read(Stream stream, string what)
    {
        Span<byte> prefix = stackalloc byte[12];
        if (stream.ReadAtLeast(prefix[..10], 10, throwOnEndOfStream: false) < 10 || !prefix[..6].SequenceEqual(Magic))
        {
            throw new NpyFormatException($"{what} is not an NPY file (no \\x93NUMPY magic)");
        }

        int major = prefix[6];
        int headerLength;
        if (major == 1)
        {
            headerLength = prefix[8] | (prefix[9] << 8);
        }
        else if (major is 2 or 3)
        {
            if (stream.ReadAtLeast(prefix[10..12], 2, throwOnEndOfStream: false) < 2)
            {
                throw new NpyFormatException($"{what} is truncated inside its NPY header");
            }

            headerLength = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(prefix[8..12]);
            if (headerLength is < 0 or > (1 << 20))
            {
                throw new NpyFormatException($"{what} has an implausible NPY header length {headerLength}");
            }
        }
        else
        {
            throw new NpyFormatException($"{what} has unsupported NPY version {major}.{prefix[7]}");
        }

        var header = new byte[headerLength];
        if (stream.ReadAtLeast(header, headerLength, throwOnEndOfStream: false) < headerLength)
        {
            throw new NpyFormatException($"{what} is truncated inside its NPY header");
        }

        string text = major == 3 ? Encoding.UTF8.GetString(header) : Encoding.Latin1.GetString(header);
        var descr = DescrPattern().Match(text);
        var fortran = FortranPattern().Match(text);
        var shape = ShapePattern().Match(text);
        if (!descr.Success || !fortran.Success || !shape.Success)
        {
            throw new NpyFormatException($"{what} has an NPY header numpy did not write for a plain array: {text.Trim()}");
        }

        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var parsed = new long[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            if (!long.TryParse(dims[i], NumberStyles.None, CultureInfo.InvariantCulture, out parsed[i]))
            {
                throw new NpyFormatException($"{what} has an unreadable NPY shape ({shape.Groups[1].Value})");
            }
        }

        return (descr.Groups[1].Value, fortran.Groups[1].Value == "True", parsed);
    }

    /// <summary>The shape as Python prints it: (3, 2), (3,) or ().</summary>
    public static string ShapeText(long[] shape) =>
        "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + (shape.Length == 1 ? ",)" : ")");

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]", RegexOptions.CultureInvariant)]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)", RegexOptions.CultureInvariant)]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)", RegexOptions.CultureInvariant)]
    private static partial Regex ShapePattern();
}
