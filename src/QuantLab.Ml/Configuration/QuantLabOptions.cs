using System.Text.Json.Serialization;
using QuantLab.Ml.Common;
using QuantLab.Ml.Dataset;
using QuantLab.Ml.Promotion;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Configuration;

/// <summary>The whole configuration: JSON file, then QUANTLAB_* environment variables, then flags (last wins).</summary>
public sealed record QuantLabOptions
{
    /// <summary>
    /// Symbols run-daily trains when no --symbol is given, as market keys: a bare symbol is on the home exchange
    /// (<see cref="Exchange"/>), <c>bybit-btcusdt</c> on another (see <see cref="Common.Market"/>). After loading it
    /// also holds every symbol of <see cref="Exchanges"/>.
    /// </summary>
    public IReadOnlyList<string> Symbols { get; set; } = ["btcusdt"];

    /// <summary>A file with one symbol (or exchange-symbol) per line ('#' starts a comment); when set, its symbols replace Symbols.</summary>
    public string? SymbolsFile { get; set; }

    /// <summary>Symbols of further exchanges, by exchange name (e.g. "bybit": ["btcusdt", "ethusdt"]); added to Symbols as bybit-btcusdt, ….</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Exchanges { get; set; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>The home exchange: its symbols are named by the symbol alone in the store, locks and job ids.</summary>
    public string Exchange { get; set; } = "binance";
    public string Stream { get; set; } = "bbo";

    /// <summary>Compact data root: a folder or s3://bucket/prefix.</summary>
    public string DataRoot { get; set; } = "./sample-data";

    /// <summary>Artifact store root: a folder or s3://bucket/prefix.</summary>
    public string StoreRoot { get; set; } = "./.quantlab";

    /// <summary>Local folder for run folders (logs, job bundles, trainer outputs); null = &lt;store&gt;/runs for a folder store, else ./.quantlab/runs.</summary>
    public string? WorkDir { get; set; }

    /// <summary>Compute provider: local, ssh or vast (by these exact names; see <see cref="ConfigurationLoader"/>).</summary>
    public ComputeProviderKind Provider { get; set; } = ComputeProviderKind.Local;

    /// <summary>
    /// The configured Provider text when it names no provider: <see cref="Provider"/> then keeps its default and
    /// <see cref="OptionsValidator"/> reports this text in its one line. Not a configuration key.
    /// </summary>
    [JsonIgnore]
    internal string? UnknownProvider { get; init; }

    /// <summary>
    /// Days of data ending at the run date. The default of 2 makes the evaluation walk forward: the test part is the run
    /// date (a full day never seen by training or validation), train and valid are the day before. It reads twice the data
    /// of a one-day window. 1 keeps an intra-day split whose test part is shorter than a day (and says so).
    /// </summary>
    public int WindowDays { get; set; } = 2;

    /// <summary>
    /// auto, cpu or cuda; unset means cuda with the vast provider (a rented GPU night must not train on the CPU and
    /// "succeed") and auto otherwise. Tests and own boxes without a GPU set cpu or auto.
    /// </summary>
    public string? Device { get; set; }

    /// <summary>The device jobs ask for: <see cref="Device"/>, or the provider's default when it is unset.</summary>
    public string EffectiveDevice => Device ?? (Provider == ComputeProviderKind.Vast ? "cuda" : "auto");

    public DatasetConfig Dataset { get; set; } = new();
    public XgboostParams Xgboost { get; set; } = new();
    public RuntimeLimits Runtime { get; set; } = new();
    public TrainerOptions Trainer { get; set; } = new();
    public DataWaitOptions DataWait { get; set; } = new();

    /// <summary>Thresholds that refuse an intact but unfit day (too few rows or hours, off-day timestamps, crossed books).</summary>
    public Data.DataCheckOptions DataCheck { get; set; } = new();
    public EvaluationOptions Evaluation { get; set; } = new();
    public PromotionPolicyConfig Promotion { get; set; } = new();
    public AlertOptions Alerts { get; set; } = new();
    public MetricsOptions Metrics { get; set; } = new();

    /// <summary>How a night is packed onto machines (ssh and vast, where every run is a night).</summary>
    public NightOptions Batch { get; set; } = new();

    /// <summary>Endpoint, region, path style and transfer sizes for s3:// data and store roots.</summary>
    public S3Options S3 { get; set; } = new();

    /// <summary>The termination window after SIGTERM and the bound of each store write in cleanup (see <see cref="TimeBudget"/>).</summary>
    public ShutdownOptions Shutdown { get; set; } = new();

    /// <summary>The Vast.ai client: API address, pacing, backoff and the offer filters (VAST_API_URL overrides BaseUrl).</summary>
    public Vast.VastOptions Vast { get; set; } = new();

    /// <summary>How the vast provider rents: image, attempts and time budgets.</summary>
    public VastProviderOptions Rental { get; set; } = new();

    /// <summary>How the SSH runner behaves on a training host (ssh and vast providers).</summary>
    public Remote.RemoteRunnerOptions Remote { get; set; } = new();

    /// <summary>The fixed host of the ssh provider (--host, --user, --key, …); its Remote is this tree's <see cref="Remote"/>.</summary>
    public SshProviderOptions Ssh { get; set; } = new();

    public string EffectiveWorkDir =>
        WorkDir ?? (StoreRoot.Contains("://", StringComparison.Ordinal) ? Path.Combine(".quantlab", "runs") : Path.Combine(StoreRoot, "runs"));
}

/// <summary>Section "Shutdown": how long cleanup may take after SIGTERM; whether the budgets fit is <see cref="TimeBudget.Check"/>.</summary>
public sealed record ShutdownOptions
{
    /// <summary>Time between SIGTERM/Ctrl-C and the process being stopped.</summary>
    public TimeSpan TerminationWindow { get; set; } = TimeBudget.Default.TerminationWindow;

    /// <summary>Bound of each store write after the run is over or interrupted.</summary>
    public TimeSpan StoreWriteBudget { get; set; } = TimeBudget.Default.StoreWriteBudget;

    /// <summary>The allowed values (section "Shutdown"); one line per key.</summary>
    internal void Rules(ConfigRules r)
    {
        r.Positive(nameof(TerminationWindow), TerminationWindow, TimeSpan.FromHours(1));
        r.Positive(nameof(StoreWriteBudget), StoreWriteBudget, TimeSpan.FromMinutes(10));
    }
}

/// <summary>Backoff of --wait-for-data polling.</summary>
public sealed record DataWaitOptions
{
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromMinutes(1);
    public double Factor { get; set; } = 2.0;
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The allowed values (section "DataWait"); one line per key.</summary>
    internal void Rules(ConfigRules r)
    {
        r.Positive(nameof(InitialDelay), InitialDelay, TimeSpan.FromHours(6));
        r.Number(nameof(Factor), Factor, 1, 10);
        r.Positive(nameof(MaxDelay), MaxDelay, TimeSpan.FromHours(6));
        r.Rule(MaxDelay >= InitialDelay, $"MaxDelay = {MaxDelay}: must be at least DataWait:InitialDelay ({InitialDelay})");
    }
}

/// <summary>Evaluation settings from configuration; horizon and bar length come from the dataset config.</summary>
public sealed record EvaluationOptions
{
    /// <summary>
    /// Exchange fee in basis points per unit of position change, paid on top of the quoted half spread (taker fills). The
    /// default is Binance USDⓈ-M futures' VIP 0 taker fee, 0.0500 % = 5 bps.
    /// </summary>
    public double CostBps { get; set; } = Promotion.EvaluationConfig.DefaultTakerFeeBps;

    /// <summary>Pay the quoted spread (fill at the touch). Turn off only to see what the spread costs; a gate on mid fills promotes edges nobody can trade.</summary>
    public bool IncludeSpread { get; set; } = true;

    /// <summary>Newey–West lag for standard errors in bars; null = max(horizon, 4·(T/100)^(2/9)). Must be at least the horizon.</summary>
    public int? HacLag { get; set; }

    /// <summary>The allowed values (section "Evaluation"); one line per key. HacLag against the horizon is a cross-section rule.</summary>
    internal void Rules(ConfigRules r)
    {
        r.Number(nameof(CostBps), CostBps, 0, 1000, unit: "bps");
        r.Whole(nameof(HacLag), HacLag, 1, 100_000, "bars");
    }
}
