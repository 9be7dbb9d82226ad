using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using System.Text.RegularExpressions;

namespace QuantLab.Ml.Dataset;

/// <summary>
/// Writes a .npz (a zip of name.npy entries, stored, not compressed) in one forward pass: each array's CRC is computed
/// from memory first, so the entry is written straight from the caller's span with no copy and no seeking back.
/// Every entry carries the same fixed timestamp (1980-01-01 00:00) and no host-specific field, so equal arrays give
/// byte-identical files.
/// </summary>
public sealed partial class NpzWriter : IDisposable
{
    // DOS date of 1980-01-01 (the earliest a zip can express), time 00:00:00.
    private const ushort FixedDosDate = (0 << 9) | (1 << 5) | 1;
    private const ushort FixedDosTime = 0;
    private const ushort Version = 20;

    private readonly Stream output;
    private readonly bool leaveOpen;
    private readonly List<Entry> entries = [];
    private readonly HashSet<string> names = new(StringComparer.Ordinal);
    private long offset;
    private bool finished;
    private bool disposed;

    /// <summary>Writes to <paramref name="output"/> from its current position; the stream need not be seekable.</summary>
    public NpzWriter(Stream output, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        this.output = output;
        this.leaveOpen = leaveOpen;
    }

    public void AddFloat32Matrix(string name, ReadOnlySpan<float> values, int rows, int columns) =>
        AddEntry(name, NpyWriter.Float32MatrixHeader(values.Length, rows, columns), NpyWriter.AsBytes(values));

    public void AddInt32Vector(string name, ReadOnlySpan<int> values) =>
        AddEntry(name, NpyWriter.Int32VectorHeader(values.Length), NpyWriter.AsBytes(values));

    public void AddUnicodeVector(string name, IReadOnlyList<string> values)
    {
        var (header, payload) = NpyWriter.UnicodeVector(values);
        AddEntry(name, header, payload);
    }

    /// <summary>Writes the central directory; the archive is incomplete until this is called.</summary>
    public void Finish()
    {
        EnsureOpen();
        long directoryStart = offset;
        Span<byte> record = stackalloc byte[46];
        foreach (var entry in entries)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(record, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(record[4..], Version); // made by: MS-DOS host, 2.0 (no Unix mode bits)
            BinaryPrimitives.WriteUInt16LittleEndian(record[6..], Version);
            BinaryPrimitives.WriteUInt16LittleEndian(record[8..], 0);
            BinaryPrimitives.WriteUInt16LittleEndian(record[10..], 0);
            BinaryPrimitives.WriteUInt16LittleEndian(record[12..], FixedDosTime);
            BinaryPrimitives.WriteUInt16LittleEndian(record[14..], FixedDosDate);
            BinaryPrimitives.WriteUInt32LittleEndian(record[16..], entry.Crc);
            BinaryPrimitives.WriteUInt32LittleEndian(record[20..], entry.Size);
            BinaryPrimitives.WriteUInt32LittleEndian(record[24..], entry.Size);
            BinaryPrimitives.WriteUInt16LittleEndian(record[28..], (ushort)entry.FileName.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(record[30..], 0); // extra
            BinaryPrimitives.WriteUInt16LittleEndian(record[32..], 0); // comment
            BinaryPrimitives.WriteUInt16LittleEndian(record[34..], 0); // disk
            BinaryPrimitives.WriteUInt16LittleEndian(record[36..], 0); // internal attributes
            BinaryPrimitives.WriteUInt32LittleEndian(record[38..], 0); // external attributes
            BinaryPrimitives.WriteUInt32LittleEndian(record[42..], entry.Offset);
            Write(record);
            Write(entry.FileName);
        }

        long directorySize = offset - directoryStart;
        CheckZip32(offset, "the archive");
        Span<byte> end = stackalloc byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end[4..], 0);
        BinaryPrimitives.WriteUInt16LittleEndian(end[6..], 0);
        BinaryPrimitives.WriteUInt16LittleEndian(end[8..], (ushort)entries.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(end[10..], (ushort)entries.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(end[12..], (uint)directorySize);
        BinaryPrimitives.WriteUInt32LittleEndian(end[16..], (uint)directoryStart);
        BinaryPrimitives.WriteUInt16LittleEndian(end[20..], 0);
        Write(end);
        output.Flush();
        finished = true;
    }

    /// <summary>Closes the stream (unless left open) without finishing: a half-written archive stays invalid.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        if (!leaveOpen)
        {
            output.Dispose();
        }
    }

    private void EnsureOpen()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (finished)
        {
            throw new InvalidOperationException("the npz archive is already finished");
        }
    }

    private void AddEntry(string name, byte[] header, ReadOnlySpan<byte> payload)
    {
        EnsureOpen();
        if (!EntryName().IsMatch(name ?? string.Empty) || !names.Add(name!))
        {
            throw new ArgumentException($"npz entry name '{name}' must be unique letters, digits or '_'", nameof(name));
        }

        if (entries.Count == ushort.MaxValue)
        {
            throw new NpyFormatException("an npz without zip64 holds at most 65535 arrays");
        }

        var fileName = Encoding.ASCII.GetBytes(name + ".npy");
        long size = (long)header.Length + payload.Length;
        CheckZip32(offset + 30 + fileName.Length + size, "array '" + name + "'");
        var hash = new Crc32();
        hash.Append(header);
        hash.Append(payload);
        uint crc = hash.GetCurrentHashAsUInt32();

        Span<byte> local = stackalloc byte[30];
        BinaryPrimitives.WriteUInt32LittleEndian(local, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(local[4..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(local[6..], 0); // flags: sizes known up front, ASCII name
        BinaryPrimitives.WriteUInt16LittleEndian(local[8..], 0); // method: stored
        BinaryPrimitives.WriteUInt16LittleEndian(local[10..], FixedDosTime);
        BinaryPrimitives.WriteUInt16LittleEndian(local[12..], FixedDosDate);
        BinaryPrimitives.WriteUInt32LittleEndian(local[14..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(local[18..], (uint)size);
        BinaryPrimitives.WriteUInt32LittleEndian(local[22..], (uint)size);
        BinaryPrimitives.WriteUInt16LittleEndian(local[26..], (ushort)fileName.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(local[28..], 0);

        var entry = new Entry(fileName, crc, (uint)size, (uint)offset);
        Write(local);
        Write(fileName);
        Write(header);
        Write(payload);
        entries.Add(entry);
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        output.Write(bytes);
        offset += bytes.Length;
    }

    private static void CheckZip32(long bytes, string what)
    {
        if (bytes > uint.MaxValue)
        {
            throw new NpyFormatException($"{what} would pass 4 GiB, the limit of an npz without zip64; use a shorter window or longer bars");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_]{1,200}$", RegexOptions.CultureInvariant)]
    private static partial Regex EntryName();

    private sealed record Entry(byte[] FileName, uint Crc, uint Size, uint Offset);
}
