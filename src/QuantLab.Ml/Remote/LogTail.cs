using System.Buffers;
using System.Text;

namespace QuantLab.Ml.Remote;

/// <summary>Turns successive byte chunks of a growing log into whole lines, remembering how far it has read.</summary>
internal sealed class LogTail
{
    private const int MaxLineBytes = 16 * 1024;
    private readonly ArrayBufferWriter<byte> pending = new();

    /// <summary>Bytes of the remote file consumed so far (the next read starts here).</summary>
    public long Offset { get; private set; }

    public IReadOnlyList<string> Feed(ReadOnlySpan<byte> chunk)
    {
        Offset += chunk.Length;
        var lines = new List<string>();
        while (!chunk.IsEmpty)
        {
            var newline = chunk.IndexOf((byte)'\n');
            if (newline < 0)
            {
                pending.Write(chunk);
                if (pending.WrittenCount > MaxLineBytes)
                {
                    lines.Add(Take()); // a runaway line (progress bar) must not grow without bound
                }

                break;
            }

            pending.Write(chunk[..newline]);
            lines.Add(Take());
            chunk = chunk[(newline + 1)..];
        }

        return lines;
    }

    /// <summary>The unterminated last line, if any.</summary>
    public string? Flush() => pending.WrittenCount > 0 ? Take() : null;

    private string Take()
    {
        var text = Encoding.UTF8.GetString(pending.WrittenSpan).TrimEnd('\r');
        pending.ResetWrittenCount();
        return text;
    }
}
