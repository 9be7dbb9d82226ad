using System.Text.Json;
using System.Text.Json.Serialization;
using QuantLab.Ml.Common;
using QuantLab.Ml.ConfigCheck;
using QuantLab.Ml.Data;
using QuantLab.Ml.Operations;
using QuantLab.Ml.Pipeline;
using QuantLab.Ml.Reaping;
using QuantLab.Ml.Storage;
using QuantLab.Ml.Vast;

namespace QuantLab.Ml.Cli;

/// <summary>The --json output shapes of the commands, with compile-time metadata (the CLI is published Native AOT).</summary>
[JsonSerializable(typeof(DataCheckOutput))]
[JsonSerializable(typeof(RollbackOutput))]
[JsonSerializable(typeof(RunsOutput))]
[JsonSerializable(typeof(RunDailyOutput))]
[JsonSerializable(typeof(OffersOutput))]
[JsonSerializable(typeof(InstancesOutput))]
[JsonSerializable(typeof(ReapResult))]
[JsonSerializable(typeof(PromoteResult))]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(ModelListing))]
[JsonSerializable(typeof(ConfigReport))]
[JsonSerializable(typeof(CommandFailureOutput))]
internal sealed partial class CliJsonContext : JsonSerializerContext;

/// <summary>How the commands write --json: the project's conventions (snake_case, enums as strings, indented) over <see cref="CliJsonContext"/>.</summary>
internal static class CliJson
{
    public static JsonSerializerOptions Output { get; } = Json.Create(CliJsonContext.Default);
}

/// <summary>
/// What any command prints with --json when it fails before its own document (a read-only store, an unwritable lock or
/// run folder, bad input): the same one line as on stderr, and the exit code, so a script reading stdout still gets a document.
/// </summary>
internal sealed record CommandFailureOutput(string Command, int ExitCode, string Error);

/// <summary>data check --json.</summary>
internal sealed record DataCheckOutput(
    string Symbol, string Date, string Exchange, string Data, string Status, bool Degraded, IReadOnlyList<string> Reasons, IReadOnlyList<DataPartition> Partitions);

/// <summary>rollback --json.</summary>
internal sealed record RollbackOutput(string Symbol, ProductionManifest? From, ProductionManifest To);

/// <summary>runs --json.</summary>
internal sealed record RunsOutput(IReadOnlyList<RunSummary> Runs);

/// <summary>run-daily --json; <see cref="WouldFail"/> only on a dry run (empty when the real run would go ahead).</summary>
internal sealed record RunDailyOutput(string RunId, IReadOnlyList<SymbolRunResult> Runs, NightReport? Night)
{
    public IReadOnlyList<string>? WouldFail { get; init; }

    /// <summary>The exit code of this invocation (a dry run's is the real run's).</summary>
    public int ExitCode { get; init; }

    /// <summary>The run's readable log file.</summary>
    public string? LogFile { get; init; }
}

/// <summary>offers --json.</summary>
internal sealed record OffersOutput(string Query, IReadOnlyList<OfferRow> Offers);

/// <summary>instances --json.</summary>
internal sealed record InstancesOutput(IReadOnlyList<InstanceRow> Instances);
