using QuantLab.Ml.Common;
using QuantLab.Ml.Training;

namespace QuantLab.Ml.Configuration;

/// <summary>
/// The one validator of the whole configuration: `config check` and every command run it on the bound tree before anything is
/// read, written or rented. Each section states its own rules (its record's <c>Rules</c> method); rules between sections go
/// in <see cref="CrossSection"/>.
/// </summary>
/// <remarks>
/// Adding a field: give the property to its options record and one line to that record's <c>Rules</c> (e.g.
/// <c>r.Positive(nameof(Foo), Foo, TimeSpan.FromHours(1))</c>); the key is then known (unknown-key detection reads the
/// options types), shown by config check with its source and allowed range, and checked by every command.
/// Adding a section: a property on <see cref="QuantLabOptions"/>, its record in the JSON context (it is, through
/// QuantLabOptions) and one <c>Section</c> line below.
/// </remarks>
public static class OptionsValidator
{
    /// <summary>Every broken rule (none when valid) and what each key allows.</summary>
    public static ConfigRules Check(QuantLabOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var r = new ConfigRules();
        TopLevel(o, r);
        o.Dataset.Rules(r.Section(Dataset.DatasetConfig.Section));
        o.Xgboost.Rules(r.Section(Training.XgboostParams.Section));
        o.Runtime.Rules(r.Section("Runtime"));
        o.Trainer.Rules(r.Section("Trainer"));
        o.DataWait.Rules(r.Section("DataWait"));
        o.Evaluation.Rules(r.Section("Evaluation"));
        o.Promotion.Rules(r.Section(Promotion.PromotionPolicyConfig.Section));
        o.Alerts.Rules(r.Section(AlertOptions.Section));
        o.Metrics.Rules(r.Section(MetricsOptions.Section));
        o.Batch.Rules(r.Section(NightOptions.Section));
        o.S3.Rules(r.Section(Storage.S3Options.Section));
        o.Shutdown.Rules(r.Section(TimeBudget.SectionName));
        o.DataCheck.Rules(r.Section("DataCheck"));
        o.Vast.Rules(r.Section(Vast.VastOptions.SectionName));
        o.Rental.Rules(r.Section(VastProviderOptions.Section));
        o.Remote.Rules(r.Section(Remote.RemoteRunnerOptions.Section));
        o.Ssh.Rules(r.Section(SshProviderOptions.Section));
        CrossSection(o, r);
        return r;
    }

    /// <summary>Throws <see cref="Common.UsageException"/> (exit 2) with the first broken rule.</summary>
    public static QuantLabOptions Validate(QuantLabOptions o)
    {
        Check(o).ThrowIfInvalid();
        return o;
    }

    private static void TopLevel(QuantLabOptions o, ConfigRules r)
    {
        r.Whole(nameof(o.WindowDays), o.WindowDays, 1, 31, "days");
        r.That(o.Device is null or "auto" or "cpu" or "cuda", nameof(o.Device), o.Device, "one of auto, cpu, cuda, or unset (the provider's default)");
        r.OneOf(nameof(o.Provider), o.UnknownProvider ?? o.Provider.Wire(), [.. ComputeProviderKinds.Names]);
        r.Rule(o.Symbols.Count > 0, "Symbols: no symbols configured: give --symbol or set Symbols");
    }

    /// <summary>
    /// Rules between sections: what the chosen provider cannot start without, and the budgets that must fit each other
    /// (cleanup after SIGTERM inside the termination window, a destroy budget that holds a DELETE and a read-back). The
    /// budgets are checked for every provider because the termination window governs every command, and only when each
    /// value is in its own range, so one wrong value gives one message.
    /// </summary>
    private static void CrossSection(QuantLabOptions o, ConfigRules r)
    {
        // What the chosen provider cannot start without; config check and run-daily say the same.
        if (o.Provider == ComputeProviderKind.Ssh)
        {
            o.Ssh.RequireHost(r.Section(SshProviderOptions.Section));
        }

        // Overlapping books hold a position for the label horizon, so their returns are correlated at least that long.
        r.Section("Evaluation").Rule(
            o.Evaluation.HacLag is null || o.Evaluation.HacLag >= o.Dataset.HorizonBars,
            $"HacLag = {o.Evaluation.HacLag}: must be at least Dataset:HorizonBars ({o.Dataset.HorizonBars}), the bars each staggered book holds a position");

        if (r.Errors.Count == 0)
        {
            r.Try(() => TimeBudget.From(o).Check());
        }
    }
}
