using QuantLab.Ml.Common;

namespace QuantLab.Ml.Vast;

/// <summary>Settings of the Vast.ai client, bound from configuration section <c>Vast</c> and validated once at start-up.</summary>
public sealed record VastOptions
{
    public const string SectionName = "Vast";
    public const string DefaultBaseUrl = "https://console.vast.ai";

    /// <summary>Environment variable that overrides <see cref="BaseUrl"/> (e.g. to point at the fake Vast).</summary>
    public const string BaseUrlEnvironmentVariable = "VAST_API_URL";

    public string BaseUrl { get; set; } = DefaultBaseUrl;

    /// <summary>File holding the API key (first line), used when VAST_API_KEY is not set; <c>~/</c> means the home folder.</summary>
    public string? ApiKeyFile { get; set; }

    /// <summary>Every instance we create carries a label starting with this, so leftovers can be found and destroyed.</summary>
    public string LabelPrefix { get; set; } = "quantlab-ml:";

    /// <summary>Interval between status polls while waiting for an instance; Vast's docs ask for no faster than 10 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Timeout of one HTTP call (one attempt); the Vast CLI uses 120 s, dstack 30 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Timeout of a create only. The Vast CLI waits 120 s for a create because creates are slow; a shorter limit turns a
    /// slow create into an unknown outcome, and then the next offer may be rented before the first one shows up.
    /// </summary>
    public TimeSpan CreateTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// OpenSSH public keys of the on-call operators, attached to every rental like the job's own key, so an operator can
    /// <c>ssh -p PORT root@HOST</c> into a machine while it trains. Public keys only; the job key never leaves memory.
    /// </summary>
    public IReadOnlyList<string> OperatorPublicKeys { get; set; } = [];

    /// <summary>Pause before listing our label after a create with an unknown outcome, so a late create can show up.</summary>
    public TimeSpan ReconcileDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time allowed to destroy what a cancelled or failed provisioning left behind, even after cancellation.</summary>
    public TimeSpan CleanupBudget { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How many offers one provisioning tries before giving up (dstack tries 25).</summary>
    public int MaxOffersToTry { get; set; } = 10;

    public VastPacingOptions Pacing { get; set; } = new();
    public VastBackoffOptions Backoff { get; set; } = new();
    public VastOfferDefaults Offers { get; set; } = new();


    /// <summary>Throws <see cref="UsageException"/> naming the first bad setting; returns this instance when all is well.</summary>
    public VastOptions Validate()
    {
        ConfigRules.Require(SectionName, Rules);
        return this;
    }

    /// <summary>The allowed values (section "Vast"); one line per key.</summary>
    internal void Rules(ConfigRules r)
    {
        var before = r.Errors.Count;
        r.Allows(nameof(BaseUrl), "an https URL (http only on loopback), without query or user info").Try(() => _ = BaseUri);
        r.That(!string.IsNullOrWhiteSpace(LabelPrefix) && LabelPrefix.Length <= 30 && LabelPrefix.All(c => c > ' ' && c < 127),
            nameof(LabelPrefix), LabelPrefix, "1-30 printable characters without spaces");
        r.Positive(nameof(PollInterval), PollInterval, TimeSpan.FromMinutes(10));
        r.Positive(nameof(RequestTimeout), RequestTimeout, TimeSpan.FromMinutes(10));
        r.Positive(nameof(CreateTimeout), CreateTimeout, TimeSpan.FromMinutes(10));
        r.That(OperatorPublicKeys is not null && OperatorPublicKeys.All(IsPublicKeyLine), nameof(OperatorPublicKeys),
            OperatorPublicKeys is null ? null : $"{OperatorPublicKeys.Count} entries", "OpenSSH public key lines (ssh-ed25519 AAAA... comment), one per entry");
        r.Duration(nameof(ReconcileDelay), ReconcileDelay, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        r.Positive(nameof(CleanupBudget), CleanupBudget, TimeSpan.FromHours(1));
        r.Whole(nameof(MaxOffersToTry), MaxOffersToTry, 1, 100);
        r.Rule(Pacing is not null && Backoff is not null && Offers is not null, "Pacing, Backoff and Offers must not be empty");
        if (Pacing is not null)
        {
            var pacing = r.Section(nameof(Pacing));
            foreach (var endpoint in Enum.GetValues<VastEndpoint>())
            {
                pacing.Duration(endpoint.ToString(), Pacing.For(endpoint), TimeSpan.Zero, TimeSpan.FromMinutes(10));
            }
        }

        if (Backoff is not null)
        {
            var backoff = r.Section(nameof(Backoff));
            backoff.Positive(nameof(Backoff.BaseDelay), Backoff.BaseDelay, TimeSpan.FromMinutes(1));
            backoff.Positive(nameof(Backoff.MaxDelay), Backoff.MaxDelay, TimeSpan.FromMinutes(10));
            backoff.Rule(Backoff.MaxDelay >= Backoff.BaseDelay, $"MaxDelay = {Backoff.MaxDelay}: must be at least Backoff:BaseDelay ({Backoff.BaseDelay})");
            backoff.Whole(nameof(Backoff.MaxRetries), Backoff.MaxRetries, 0, 20);
        }

        Offers?.Rules(r.Section(nameof(Offers)));
        if (r.Errors.Count == before)
        {
            // What is left: rules between offer filters and the parsed GPU and country lists.
            r.Try(() => OfferQuery.FromOptions(this));
        }
    }

    /// <summary>The validated base address; plain http is allowed only on loopback because the key travels in a header.</summary>
    internal Uri BaseUri
    {
        get
        {
            if (!Uri.TryCreate(BaseUrl?.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                throw new UsageException($"{SectionName}:BaseUrl '{SymbolName.Printable(BaseUrl)}' is not an absolute http(s) URL");
            }

            if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
            {
                throw new UsageException($"{SectionName}:BaseUrl '{uri.GetLeftPart(UriPartial.Authority)}' must use https (plain http is only allowed on loopback)");
            }

            if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
            {
                throw new UsageException($"{SectionName}:BaseUrl must not carry a query or user info (the API key goes in a header)");
            }

            return new Uri(uri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
        }
    }

    /// <summary>One OpenSSH public key line, as Vast's attach endpoint takes it.</summary>
    internal static bool IsPublicKeyLine(string? key)
    {
        var k = key?.Trim() ?? string.Empty;
        return (k.StartsWith("ssh-", StringComparison.Ordinal) || k.StartsWith("ecdsa-", StringComparison.Ordinal) || k.StartsWith("sk-", StringComparison.Ordinal))
            && k.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length >= 2
            && !k.Contains('\n', StringComparison.Ordinal) && !k.Contains('\r', StringComparison.Ordinal) && k.Length <= 16_384
            && !k.Contains("PRIVATE KEY", StringComparison.Ordinal);
    }
}

/// <summary>Minimum interval between two calls to the same endpoint; Vast enforces per-endpoint minimum intervals and sends no Retry-After.</summary>
public sealed record VastPacingOptions
{
    public TimeSpan SearchOffers { get; set; } = TimeSpan.FromSeconds(6);
    public TimeSpan CreateInstance { get; set; } = TimeSpan.FromSeconds(5);
    public TimeSpan GetInstance { get; set; } = TimeSpan.FromSeconds(2);
    public TimeSpan ListInstances { get; set; } = TimeSpan.FromSeconds(1.5);
    public TimeSpan DestroyInstance { get; set; } = TimeSpan.FromSeconds(3);
    public TimeSpan UpdateInstance { get; set; } = TimeSpan.FromSeconds(1.5);
    public TimeSpan AttachSshKey { get; set; } = TimeSpan.FromSeconds(1.5);
    public TimeSpan CurrentUser { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan For(VastEndpoint endpoint) => endpoint switch
    {
        VastEndpoint.SearchOffers => SearchOffers,
        VastEndpoint.CreateInstance => CreateInstance,
        VastEndpoint.GetInstance => GetInstance,
        VastEndpoint.ListInstances => ListInstances,
        VastEndpoint.DestroyInstance => DestroyInstance,
        VastEndpoint.UpdateInstance => UpdateInstance,
        VastEndpoint.AttachSshKey => AttachSshKey,
        VastEndpoint.CurrentUser => CurrentUser,
        _ => throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, null),
    };

    /// <summary>No pacing at all (for tests that do not exercise it).</summary>
    public static VastPacingOptions None { get; } = new()
    {
        SearchOffers = TimeSpan.Zero,
        CreateInstance = TimeSpan.Zero,
        GetInstance = TimeSpan.Zero,
        ListInstances = TimeSpan.Zero,
        DestroyInstance = TimeSpan.Zero,
        UpdateInstance = TimeSpan.Zero,
        AttachSshKey = TimeSpan.Zero,
        CurrentUser = TimeSpan.Zero,
    };
}

/// <summary>Jittered exponential backoff for 429, 502/503/504 and network errors on idempotent calls.</summary>
public sealed record VastBackoffOptions
{
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(60);
    public int MaxRetries { get; set; } = 6;
}

/// <summary>Offer-search defaults for the nightly job (1× RTX 4090, verified, direct SSH, cheap first); the CLI can override some.</summary>
public sealed record VastOfferDefaults
{
    /// <summary>GPU model name(s) as Vast spells them, comma-separated ("RTX 4090", "H100 SXM"); '_' is read as a space.</summary>
    public string Gpu { get; set; } = "RTX 4090";
    public int NumGpus { get; set; } = 1;
    public double? MinGpuRamGb { get; set; }

    /// <summary>Disk we create with; also sent as allocated_storage so dph_total prices exactly this disk.</summary>
    public double DiskGb { get; set; } = 50;
    public double MaxPricePerHour { get; set; } = 0.60;
    public double MinReliability { get; set; } = 0.95;
    public double? MinInetDownMbps { get; set; } = 200;
    public bool VerifiedOnly { get; set; } = true;
    public int MinDirectPorts { get; set; } = 1;

    /// <summary>
    /// Minimum cuda_max_good (the newest CUDA the host's driver runs). 12.4: the default image is built on CUDA 12.4 and
    /// the pinned XGBoost's wheels are CUDA 12 builds; an older driver makes XGBoost fall back to the CPU.
    /// Vast hides some GPUs when it is sent alone, so it needs <see cref="MinComputeCapability"/>.
    /// </summary>
    public double? MinCudaVersion { get; set; } = 12.4;

    /// <summary>Minimum compute capability ×100 (e.g. 890 for Ada); 500 is the least XGBoost's CUDA 12 builds support.</summary>
    public int? MinComputeCapability { get; set; } = 500;

    /// <summary>Leave out "external" offers (machines listed from outside Vast's marketplace), as the Vast CLI does by default.</summary>
    public bool ExcludeExternal { get; set; } = true;
    public bool DatacenterOnly { get; set; }

    /// <summary>Comma-separated 2-letter country codes to allow (empty = anywhere).</summary>
    public string? Countries { get; set; }

    /// <summary>Comma-separated 2-letter country codes to exclude.</summary>
    public string? ExcludeCountries { get; set; }
    public int Limit { get; set; } = 64;

    /// <summary>The allowed values (section "Vast:Offers"); the offer query checks the same again with command-line overrides applied.</summary>
    internal void Rules(ConfigRules r)
    {
        r.Allows(nameof(Gpu), "GPU names as Vast spells them, comma-separated (\"RTX 4090\")");
        r.Allows(nameof(Countries), "unset or comma-separated 2-letter country codes");
        r.Allows(nameof(ExcludeCountries), "unset or comma-separated 2-letter country codes");
        r.Whole(nameof(NumGpus), NumGpus, 1, 16);
        r.Number(nameof(MinGpuRamGb), MinGpuRamGb, 0, 1024, aboveMin: true, unit: "GB");
        r.Number(nameof(DiskGb), DiskGb, 8, 100_000, unit: "GB (Vast's minimum is 8)");
        r.Number(nameof(MaxPricePerHour), MaxPricePerHour, 0, 128, aboveMin: true, unit: "$/h");
        r.Fraction(nameof(MinReliability), MinReliability);
        r.Number(nameof(MinInetDownMbps), MinInetDownMbps, 0, 1_000_000, unit: "Mbps");
        r.Whole(nameof(MinDirectPorts), MinDirectPorts, 0, 1000);
        r.Number(nameof(MinCudaVersion), MinCudaVersion, 0, 100, aboveMin: true, unit: "(e.g. 12.4; needs MinComputeCapability too)");
        r.Whole(nameof(MinComputeCapability), MinComputeCapability, 0, 2000, "(×100, e.g. 890)");
        r.Whole(nameof(Limit), Limit, 1, 1000);
    }
}
