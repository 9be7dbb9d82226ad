namespace QuantLab.Ml.Data;

/// <summary>xoshiro256** seeded through SplitMix64: a generator whose sequence is fixed by this code, not by the runtime's Random.</summary>
internal sealed class SampleRandom
{
    private ulong s0, s1, s2, s3;
    private double? spareNormal;

    public SampleRandom(params ulong[] seedParts)
    {
        var x = 0x9E3779B97F4A7C15UL;
        foreach (var part in seedParts)
        {
            x = SplitMix(x ^ part);
        }

        s0 = SplitMix(ref x);
        s1 = SplitMix(ref x);
        s2 = SplitMix(ref x);
        s3 = SplitMix(ref x);
    }

    /// <summary>FNV-1a of the UTF-16 code units: a stable string hash (string.GetHashCode is randomized per process).</summary>
    public static ulong Hash(string text)
    {
        var h = 14695981039346656037UL;
        foreach (var c in text)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        return h;
    }

    public ulong NextULong()
    {
        var result = ulong.RotateLeft(s1 * 5, 7) * 9;
        var t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = ulong.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Exponential with the given mean.</summary>
    public double Exponential(double mean) => -mean * Math.Log(1.0 - NextDouble());

    /// <summary>Standard normal (Marsaglia's polar method).</summary>
    public double Normal()
    {
        if (spareNormal is { } spare)
        {
            spareNormal = null;
            return spare;
        }

        double u, v, s;
        do
        {
            u = (2.0 * NextDouble()) - 1.0;
            v = (2.0 * NextDouble()) - 1.0;
            s = (u * u) + (v * v);
        }
        while (s is >= 1.0 or 0.0);

        var factor = Math.Sqrt(-2.0 * Math.Log(s) / s);
        spareNormal = v * factor;
        return u * factor;
    }

    /// <summary>Geometric on 1, 2, 3 … with the given mean (at least 1).</summary>
    public int Geometric(double mean)
    {
        if (mean <= 1.0)
        {
            return 1;
        }

        return 1 + (int)Math.Min(1_000_000, Math.Floor(Math.Log(1.0 - NextDouble()) / Math.Log(1.0 - (1.0 / mean))));
    }

    private static ulong SplitMix(ulong x)
    {
        return SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        var z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
