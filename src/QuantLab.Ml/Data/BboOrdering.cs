namespace QuantLab.Ml.Data;

/// <summary>Puts concatenated days in (ts_event, seq) order and drops exact key duplicates, touching the data only when needed.</summary>
internal static class BboOrdering
{
    /// <summary>
    /// Orders <paramref name="columns"/> whose runs (one per file, starting at <paramref name="runStarts"/>) are each usually sorted.
    /// Returns the same instance when it is already strictly ordered.
    /// </summary>
    public static BboColumns Normalize(BboColumns columns, IReadOnlyList<int> runStarts, out bool sorted)
    {
        var ts = columns.TsEvent;
        var seq = columns.Seq;
        var n = columns.Count;
        var ordered = true;
        var duplicates = false;
        for (var i = 1; i < n; i++)
        {
            if (ts[i] < ts[i - 1] || (ts[i] == ts[i - 1] && seq[i] < seq[i - 1]))
            {
                ordered = false;
                break;
            }

            duplicates |= ts[i] == ts[i - 1] && seq[i] == seq[i - 1];
        }

        sorted = !ordered;
        if (ordered && !duplicates)
        {
            return columns;
        }

        return ordered ? DropAdjacentDuplicates(columns) : Gather(columns, MergeRuns(ts, seq, runStarts));
    }

    private static BboColumns DropAdjacentDuplicates(BboColumns c)
    {
        var keep = new int[c.Count];
        var count = 0;
        for (var i = 0; i < c.Count; i++)
        {
            if (i == 0 || c.TsEvent[i] != c.TsEvent[i - 1] || c.Seq[i] != c.Seq[i - 1])
            {
                keep[count++] = i;
            }
        }

        return Gather(c, keep.AsSpan(0, count));
    }

    /// <summary>K-way merge of the runs (each sorted first if it is not), emitting each (ts_event, seq) once.</summary>
    private static int[] MergeRuns(long[] ts, long[] seq, IReadOnlyList<int> runStarts)
    {
        var n = ts.Length;
        var runs = new List<int[]>(runStarts.Count);
        for (var r = 0; r < runStarts.Count; r++)
        {
            var start = runStarts[r];
            var end = r + 1 < runStarts.Count ? runStarts[r + 1] : n;
            if (end > start)
            {
                runs.Add(SortedRun(ts, seq, start, end));
            }
        }

        var perm = new int[n];
        var count = 0;
        var positions = new int[runs.Count];
        var heads = new PriorityQueue<int, Key>(runs.Count);
        for (var r = 0; r < runs.Count; r++)
        {
            heads.Enqueue(r, new Key(ts[runs[r][0]], seq[runs[r][0]]));
        }

        var last = new Key(long.MinValue, long.MinValue);
        while (heads.TryDequeue(out var r, out _))
        {
            var run = runs[r];
            var hasOther = heads.TryPeek(out _, out var other);
            // Emit from this run while it stays at or below the next run's head: seams overlap only briefly, so this
            // copies long stretches without touching the heap.
            while (positions[r] < run.Length)
            {
                var i = run[positions[r]];
                var key = new Key(ts[i], seq[i]);
                if (hasOther && key.CompareTo(other) > 0)
                {
                    heads.Enqueue(r, key);
                    break;
                }

                if (count == 0 || key.CompareTo(last) != 0)
                {
                    perm[count++] = i;
                    last = key;
                }

                positions[r]++;
            }
        }

        return perm.AsSpan(0, count).ToArray();
    }

    private static int[] SortedRun(long[] ts, long[] seq, int start, int end)
    {
        var index = new int[end - start];
        var isSorted = true;
        for (var i = start; i < end; i++)
        {
            index[i - start] = i;
            isSorted &= i == start || ts[i] > ts[i - 1] || (ts[i] == ts[i - 1] && seq[i] >= seq[i - 1]);
        }

        if (!isSorted)
        {
            var keys = new Key[index.Length];
            for (var i = 0; i < keys.Length; i++)
            {
                keys[i] = new Key(ts[start + i], seq[start + i]);
            }

            Array.Sort(keys, index);
        }

        return index;
    }

    private static BboColumns Gather(BboColumns c, ReadOnlySpan<int> rows) => new()
    {
        TsEvent = Gather(c.TsEvent, rows),
        Seq = Gather(c.Seq, rows),
        BidPrice = Gather(c.BidPrice, rows),
        BidQty = Gather(c.BidQty, rows),
        AskPrice = Gather(c.AskPrice, rows),
        AskQty = Gather(c.AskQty, rows),
    };

    private static T[] Gather<T>(T[] source, ReadOnlySpan<int> rows)
    {
        var result = new T[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            result[i] = source[rows[i]];
        }

        return result;
    }

    private readonly record struct Key(long Ts, long Seq) : IComparable<Key>
    {
        public int CompareTo(Key other) => Ts != other.Ts ? Ts.CompareTo(other.Ts) : Seq.CompareTo(other.Seq);
    }
}
