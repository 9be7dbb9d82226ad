namespace QuantLab.Ml.Dataset;

/// <summary>How many rows of one part fall in each label class.</summary>
public sealed record ClassCounts
{
    public required int Down { get; init; }
    public required int Flat { get; init; }
    public required int Up { get; init; }

    public int Total => Down + Flat + Up;

    /// <summary>The most frequent class; ties go to flat, then down, so the "always predict it" baseline is the cautious one.</summary>
    public int Majority
    {
        get
        {
            int best = LabelSet.Flat;
            int bestCount = Flat;
            if (Down > bestCount)
            {
                best = LabelSet.Down;
                bestCount = Down;
            }

            return Up > bestCount ? LabelSet.Up : best;
        }
    }

    public static ClassCounts Of(ReadOnlySpan<int> classes)
    {
        int down = 0, flat = 0, up = 0;
        foreach (int c in classes)
        {
            switch (c)
            {
                case LabelSet.Down: down++; break;
                case LabelSet.Flat: flat++; break;
                case LabelSet.Up: up++; break;
                default: throw new ArgumentOutOfRangeException(nameof(classes), c, "label classes are 0, 1 or 2");
            }
        }

        return new ClassCounts { Down = down, Flat = flat, Up = up };
    }
}
