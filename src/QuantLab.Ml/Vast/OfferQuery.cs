using System.Text.Json.Serialization;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Vast;

/// <summary>A typed offer search; <see cref="ToRequestBody"/> writes Vast's query language for <c>POST /api/v0/bundles/</c>.</summary>
public sealed record OfferQuery
{
    /// <summary>Keys of the query object that are not field filters.</summary>
    private static readonly HashSet<string> ReservedKeys = ["order", "limit", "type", "allocated_storage"];

    /// <summary>GPU model names with spaces, as Vast spells them ("RTX 4090").</summary>
    public IReadOnlyList<string> GpuNames { get; init; } = ["RTX 4090"];
    public int NumGpus { get; init; } = 1;
    public double? MinGpuRamGb { get; init; }

    /// <summary>Minimum free disk and the allocated_storage Vast prices dph_total for: the disk we will create.</summary>
    public double DiskGb { get; init; } = 50;
    public double? MaxPricePerHour { get; init; }
    public double? MinReliability { get; init; }
    public bool VerifiedOnly { get; init; } = true;
    public int MinDirectPorts { get; init; } = 1;
    public double? MinInetDownMbps { get; init; }
    public double? MinCudaVersion { get; init; }
    public int? MinComputeCapability { get; init; }
    public bool DatacenterOnly { get; init; }

    /// <summary>Sends <c>external: {eq: false}</c>, as the Vast CLI does unless asked for external offers.</summary>
    public bool ExcludeExternal { get; init; }

    /// <summary>Allowed 2-letter country codes; empty means anywhere.</summary>
    public IReadOnlyList<string> Countries { get; init; } = [];
    public IReadOnlyList<string> ExcludeCountries { get; init; } = [];
    public OfferType Type { get; init; } = OfferType.OnDemand;
    public IReadOnlyList<OfferOrder> Order { get; init; } =
    [
        new() { Field = "dph_total" },
        new() { Field = "reliability2", Descending = true },
    ];

    /// <summary>Vast returns only 64 offers when no limit is sent.</summary>
    public int Limit { get; init; } = 64;

    /// <summary>Any other filter of the query language (all ops), merged with the typed ones.</summary>
    public IReadOnlyList<OfferFilter> ExtraFilters { get; init; } = [];

    /// <summary>The configured defaults with the command-line overrides applied, validated.</summary>
    public static OfferQuery FromOptions(VastOptions options, OfferOverrides? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var d = options.Offers ?? new VastOfferDefaults();
        var o = overrides ?? new OfferOverrides();
        return new OfferQuery
        {
            GpuNames = ParseGpuNames(o.Gpu ?? d.Gpu),
            NumGpus = o.NumGpus ?? d.NumGpus,
            MinGpuRamGb = d.MinGpuRamGb,
            DiskGb = o.DiskGb ?? d.DiskGb,
            MaxPricePerHour = o.MaxPricePerHour ?? d.MaxPricePerHour,
            MinReliability = o.MinReliability ?? d.MinReliability,
            VerifiedOnly = d.VerifiedOnly,
            MinDirectPorts = d.MinDirectPorts,
            MinInetDownMbps = d.MinInetDownMbps,
            MinCudaVersion = d.MinCudaVersion,
            MinComputeCapability = d.MinComputeCapability,
            DatacenterOnly = d.DatacenterOnly,
            ExcludeExternal = d.ExcludeExternal,
            Countries = ParseCountries(d.Countries, "Countries"),
            ExcludeCountries = ParseCountries(d.ExcludeCountries, "ExcludeCountries"),
            Limit = o.Limit ?? d.Limit,
        }.Validate();
    }

    /// <summary>Throws <see cref="UsageException"/> on the first impossible value; returns this instance otherwise.</summary>
    public OfferQuery Validate()
    {
        Check(GpuNames is { Count: > 0 } && GpuNames.All(IsGpuName), "gpu names must be letters, digits, spaces or '-' (e.g. \"RTX 4090\")");
        Check(NumGpus is >= 1 and <= 16, $"num gpus must be 1..16, got {NumGpus}");
        Check(MinGpuRamGb is null or (> 0 and <= 1024), "min gpu ram must be 0..1024 GB");
        Check(DiskGb is >= 8 and <= 100_000 && double.IsFinite(DiskGb), $"disk must be 8..100000 GB (Vast's minimum is 8), got {Fmt(DiskGb)}");
        Check(MaxPricePerHour is null or (> 0 and <= 128), $"max price must be in (0, 128] $/h, got {Fmt(MaxPricePerHour)}");
        Check(MinReliability is null or (>= 0 and <= 1), $"min reliability must be 0..1, got {Fmt(MinReliability)}");
        Check(MinDirectPorts is >= 0 and <= 1000, "min direct ports must be 0..1000");
        Check(MinInetDownMbps is null or (>= 0 and <= 1_000_000), "min inet down must be >= 0");
        Check(MinCudaVersion is null or (> 0 and < 100), "min cuda version must look like 12.4");
        Check(MinComputeCapability is null or (>= 0 and <= 2000), "min compute capability is ×100, e.g. 890");
        Check(MinCudaVersion is null || MinComputeCapability is not null,
            "min cuda version needs min compute capability too (cuda_max_good alone hides some GPUs on Vast)");
        Check(Countries.Concat(ExcludeCountries).All(IsCountry), "countries must be 2-letter codes");
        Check(Limit is >= 1 and <= 1000, $"limit must be 1..1000, got {Limit}");
        Check(Order.All(x => IsField(x.Field)), "order fields must be Vast field names");
        foreach (var f in ExtraFilters)
        {
            Check(IsField(f.Field) && !ReservedKeys.Contains(f.Field), $"'{SymbolName.Printable(f.Field)}' is not a filterable field name");
            Check(f.Op is not (OfferOp.In or OfferOp.NotIn) || f.Value is JsonArray, $"'{f.Field}' {OpName(f.Op)} needs a list value");
        }

        return this;
    }

    /// <summary>The query object itself (not wrapped), as Vast expects in the body of <c>/bundles/</c>.</summary>
    public JsonObject ToRequestBody()
    {
        var q = new JsonObject();
        void Add(string field, OfferOp op, JsonNode? value)
        {
            if (q[field] is not JsonObject ops)
            {
                ops = [];
                q[field] = ops;
            }

            ops[OpName(op)] = value;
        }

        Add("rentable", OfferOp.Eq, true);
        Add("rented", OfferOp.Eq, false);
        if (GpuNames.Count == 1)
        {
            Add("gpu_name", OfferOp.Eq, GpuNames[0]);
        }
        else
        {
            Add("gpu_name", OfferOp.In, new JsonArray(GpuNames.Select(n => (JsonNode?)n).ToArray()));
        }

        if (ExcludeExternal)
        {
            Add("external", OfferOp.Eq, false);
        }

        Add("num_gpus", OfferOp.Eq, NumGpus);
        if (MinGpuRamGb is { } ram)
        {
            // Vast's gpu_ram is in MB; the CLI multiplies GB by 1000.
            Add("gpu_ram", OfferOp.Gte, ram * 1000);
        }

        Add("disk_space", OfferOp.Gte, DiskGb);
        if (MaxPricePerHour is { } price)
        {
            Add("dph_total", OfferOp.Lte, price);
        }

        if (MinReliability is { } rel)
        {
            Add("reliability2", OfferOp.Gte, rel);
        }

        if (VerifiedOnly)
        {
            Add("verified", OfferOp.Eq, true);
        }

        if (MinDirectPorts > 0)
        {
            Add("direct_port_count", OfferOp.Gte, MinDirectPorts);
        }

        if (MinInetDownMbps is { } inet)
        {
            Add("inet_down", OfferOp.Gte, inet);
        }

        if (MinCudaVersion is { } cuda)
        {
            Add("cuda_max_good", OfferOp.Gte, cuda);
        }

        if (MinComputeCapability is { } cc)
        {
            Add("compute_cap", OfferOp.Gte, cc);
        }

        if (DatacenterOnly)
        {
            Add("datacenter", OfferOp.Eq, true);
        }

        if (Countries.Count > 0)
        {
            Add("geolocation", OfferOp.In, new JsonArray(Countries.Select(c => (JsonNode?)c).ToArray()));
        }

        if (ExcludeCountries.Count > 0)
        {
            Add("geolocation", OfferOp.NotIn, new JsonArray(ExcludeCountries.Select(c => (JsonNode?)c).ToArray()));
        }

        foreach (var f in ExtraFilters)
        {
            Add(f.Field, f.Op, f.Value?.DeepClone());
        }

        q["order"] = new JsonArray(Order.Select(o => (JsonNode?)new JsonArray(o.Field, o.Descending ? "desc" : "asc")).ToArray());
        q["limit"] = Limit;
        q["type"] = Type == OfferType.Bid ? "bid" : "on-demand";
        q["allocated_storage"] = DiskGb;
        return q;
    }

    /// <summary>
    /// Our own ranking of what Vast returned: drops offers already taken, without a price or over the cap,
    /// then sorts by the real $/h for our disk, most reliable first on ties, then by id so the order is stable.
    /// </summary>
    public IReadOnlyList<VastOffer> Rank(IEnumerable<VastOffer> offers)
    {
        ArgumentNullException.ThrowIfNull(offers);
        return offers
            .Where(o => o.Rentable != false && o.Rented != true)
            .Select(o => (Offer: o, Price: o.PricePerHour(DiskGb)))
            .Where(x => x.Price is { } p && double.IsFinite(p) && (MaxPricePerHour is null || p <= MaxPricePerHour.Value + 1e-9))
            .OrderBy(x => x.Price)
            .ThenByDescending(x => x.Offer.EffectiveReliability ?? 0)
            .ThenBy(x => x.Offer.Id)
            .Select(x => x.Offer)
            .ToList();
    }

    /// <summary>A short human description for messages ("1x RTX 4090, &lt;= $0.60/h, reliability &gt;= 0.95, disk 50 GB").</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{NumGpus}x {string.Join("|", GpuNames)}");
        if (MaxPricePerHour is { } p)
        {
            sb.Append(CultureInfo.InvariantCulture, $", <= ${p:0.###}/h");
        }

        if (MinReliability is { } r)
        {
            sb.Append(CultureInfo.InvariantCulture, $", reliability >= {r:0.###}");
        }

        sb.Append(CultureInfo.InvariantCulture, $", disk {DiskGb:0.#} GB");
        return sb.ToString();
    }

    internal static string OpName(OfferOp op) => op switch
    {
        OfferOp.Eq => "eq",
        OfferOp.Neq => "neq",
        OfferOp.Gt => "gt",
        OfferOp.Gte => "gte",
        OfferOp.Lt => "lt",
        OfferOp.Lte => "lte",
        OfferOp.In => "in",
        OfferOp.NotIn => "notin",
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
    };

    /// <summary>Splits "RTX 4090, H100_SXM" into names; '_' becomes a space as in the Vast CLI.</summary>
    public static IReadOnlyList<string> ParseGpuNames(string? value)
    {
        var names = (value ?? string.Empty)
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(n => string.Join(' ', n.Replace('_', ' ').Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            .ToList();
        foreach (var n in names)
        {
            Check(IsGpuName(n), $"invalid gpu name '{SymbolName.Printable(n)}': use letters, digits, spaces or '-', e.g. \"RTX 4090\"");
        }

        Check(names.Count > 0, "no gpu name given");
        return names;
    }

    private static List<string> ParseCountries(string? value, string what)
    {
        var codes = (value ?? string.Empty)
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(c => c.ToUpperInvariant())
            .ToList();
        foreach (var c in codes)
        {
            Check(IsCountry(c), $"{what}: '{SymbolName.Printable(c)}' is not a 2-letter country code");
        }

        return codes;
    }

    private static bool IsGpuName(string n) => n.Length is >= 1 and <= 40 && n.All(c => char.IsAsciiLetterOrDigit(c) || c is ' ' or '-');

    private static bool IsCountry(string c) => c.Length == 2 && c.All(char.IsAsciiLetterUpper);

    private static bool IsField(string f) => f.Length is >= 1 and <= 40 && f.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');

    private static string Fmt(double? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "none";

    private static void Check(bool ok, string message) => ConfigRules.Ensure(ok, "offer query: " + message);
}

/// <summary>Values given on the command line that replace the configured offer defaults.</summary>
public sealed record OfferOverrides
{
    /// <summary>Comma-separated GPU names ("RTX 4090", "RTX_4090,H100 SXM").</summary>
    public string? Gpu { get; init; }
    public int? NumGpus { get; init; }
    public double? MaxPricePerHour { get; init; }
    public double? MinReliability { get; init; }
    public double? DiskGb { get; init; }
    public int? Limit { get; init; }
}

/// <summary>A comparison of Vast's query language.</summary>
[JsonConverter(typeof(SnakeCaseNames<OfferOp>))]
public enum OfferOp
{
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
    NotIn,
}

/// <summary>One extra filter: <c>field: {op: value}</c>.</summary>
public sealed record OfferFilter
{
    public required string Field { get; init; }
    public required OfferOp Op { get; init; }
    public required JsonNode? Value { get; init; }
}

/// <summary>One sort key of the query's <c>order</c> list.</summary>
public sealed record OfferOrder
{
    public required string Field { get; init; }
    public bool Descending { get; init; }
}

/// <summary>On-demand or interruptible (Vast calls the latter <c>bid</c>).</summary>
[JsonConverter(typeof(SnakeCaseNames<OfferType>))]
public enum OfferType
{
    OnDemand,
    Bid,
}
