using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using QuantLab.Ml.Common;
using QuantLab.Ml.Remote;
using QuantLab.Ml.Storage;

namespace QuantLab.Ml.Cli.Commands;

/// <summary>logs: where a run's files are, what the store says of it, and the tail of its log and of each trainer's train.log.</summary>
internal static class LogsCommand
{
    public static Command Create(CliHost host)
    {
        var run = new Argument<string>("run") { Description = "Run id as `runs` and a FAILED line show it (run-20260102T001500Z-ab12cd), or 'last'" };
        var symbol = new Option<string?>("--symbol", "-s") { Description = "Only this symbol's jobs, e.g. btcusdt or bybit-btcusdt" };
        var lines = new Option<int>("--lines", "-n") { Description = "Lines of each log to show, 1..10000", DefaultValueFactory = _ => 40 };
        var remote = new Option<bool>("--remote") { Description = "Also read train.log on the run's live Vast machines over ssh (needs VAST_API_KEY and your key in Vast:OperatorPublicKeys)" };
        var identity = new Option<string?>("--identity", "-i") { Description = "With --remote: the private key ssh offers the machine (default: your ssh agent and ~/.ssh keys)" };
        var store = CommonOptions.Store();
        var command = new Command(
            "logs",
            "Where a run's files are, its outcome per symbol, and the tail of its log and of the trainer's train.log.\n"
            + ExitCodes.Help("shown", (ExitCodes.Failed, "no such run here or in the store, or a live machine could not be read"), ExitCodes.UsageCode))
        {
            run, symbol, lines, remote, identity, store,
        };
        CommandAction.Set(
            command,
            host,
            parse => CommandAction.Flags(parse, (store, "StoreRoot")),
            withRunDir: false,
            async (ctx, parse, ct) =>
            {
                var n = parse.GetValue(lines);
                if (n is < 1 or > 10000)
                {
                    throw new UsageException($"--lines must be 1..10000, got {n}");
                }

                var symbolKey = parse.GetValue(symbol) is { } s ? Market.NormalizeKey(s, ctx.Options.Exchange) : null;
                var workDir = ctx.Options.EffectiveWorkDir;
                var runId = RunId(parse.GetValue(run)!, workDir);
                var output = ctx.Host.Out;
                var found = false;
                var summary = await FindSummaryAsync(ctx, runId, ct).ConfigureAwait(false);
                if (summary is not null)
                {
                    found = true;
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {runId}: {summary.Provider} on {summary.Host}, {summary.StartedAt:yyyy-MM-dd HH:mm:ss} to {summary.FinishedAt:HH:mm:ss} UTC"));
                    foreach (var entry in summary.Runs.Where(e => symbolKey is null || e.Symbol == symbolKey))
                    {
                        output.WriteLine($"  {entry.Symbol} {(entry.Date is { } d ? TradingDate.Iso(d) : "-")}: {RunsCommand.Words(entry.Status)}{(entry.Error is null ? string.Empty : ": " + entry.Error)}");
                    }
                }

                var runDir = Path.Combine(workDir, runId);
                if (Directory.Exists(runDir))
                {
                    found = true;
                    WriteLocal(output, runDir, symbolKey, n);
                }
                else
                {
                    output.WriteLine($"folder     {runDir} is not on this machine (the run ran elsewhere, or its folder was cleaned up after 14 days)");
                }

                if (!found)
                {
                    throw new QuantLabException($"no run '{runId}' in {workDir} or in the run log of {ctx.Options.StoreRoot}; `quantlab-ml runs` lists the recent ones");
                }

                var key = parse.GetValue(identity);
                if (key is not null && !File.Exists(key))
                {
                    throw new UsageException($"--identity {key}: no such file");
                }

                return parse.GetValue(remote)
                    ? await WriteRemoteAsync(ctx, new RemoteTail(runId, symbolKey, n, key), ct).ConfigureAwait(false)
                    : ExitCodes.Ok;
            });
        return command;
    }

    /// <summary>The run id as given, "last" for the newest run folder, or a run folder's path.</summary>
    private static string RunId(string given, string workDir)
    {
        if (string.Equals(given, "last", StringComparison.OrdinalIgnoreCase))
        {
            return Directory.Exists(workDir)
                ? Directory.EnumerateDirectories(workDir, "run-*").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).LastOrDefault()
                    ?? throw new QuantLabException($"no run folder in {workDir}")
                : throw new QuantLabException($"no run folder in {workDir}");
        }

        var name = Path.GetFileName(given.TrimEnd('/'));
        return name.StartsWith("run-", StringComparison.Ordinal) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-')
            ? name
            : throw new UsageException($"'{new string(given.Take(60).Select(c => char.IsControl(c) ? '?' : c).ToArray())}' is not a run id like run-20260102T001500Z-ab12cd");
    }

    private static async Task<RunSummary?> FindSummaryAsync(CommandContext ctx, string runId, CancellationToken ct)
    {
        try
        {
            var runs = await new RunLog(Composition.Store(ctx)).ListAsync(1000, ct).ConfigureAwait(false);
            return runs.FirstOrDefault(r => r.RunId == runId);
        }
        catch (QuantLabException ex)
        {
            ctx.Log.Warning("Could not read the run log of the store: {Reason}", ex.Message);
            return null;
        }
    }

    private static void WriteLocal(TextWriter output, string runDir, string? symbolKey, int n)
    {
        output.WriteLine($"folder     {runDir}");
        var log = Path.Combine(runDir, Logging.TextLogFile);
        output.WriteLine($"log        {log}{(File.Exists(log) ? string.Empty : " (missing)")}");
        output.WriteLine($"events     {Path.Combine(runDir, Logging.ClefLogFile)} (compact JSON), audit {Path.Combine(runDir, "audit.jsonl")}");
        var jobs = Directory.EnumerateDirectories(runDir)
            .Where(d => symbolKey is null || Path.GetFileName(d).StartsWith(symbolKey + "-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        var trainLogs = jobs.Select(j => Path.Combine(j, "out", "train.log")).Where(File.Exists).ToList();
        foreach (var job in jobs)
        {
            output.WriteLine($"job        {job}");
        }

        if (File.Exists(log))
        {
            Tail(output, log, n, symbolKey);
        }

        foreach (var trainLog in trainLogs)
        {
            Tail(output, trainLog, n, null);
        }
    }

    /// <summary>The last lines of a file (with --symbol, of the quantlab-ml.log lines naming it).</summary>
    private static void Tail(TextWriter output, string path, int n, string? symbolKey)
    {
        var all = File.ReadLines(path).Where(l => symbolKey is null || l.Contains(symbolKey, StringComparison.Ordinal)).ToList();
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"--- {path} (last {Math.Min(n, all.Count)} of {all.Count} lines{(symbolKey is null ? string.Empty : $" naming {symbolKey}")})"));
        foreach (var line in all.Skip(Math.Max(0, all.Count - n)))
        {
            output.WriteLine(line);
        }
    }

    /// <summary>Whether a job id names this market exactly (btcusdt is not bybit-btcusdt).</summary>
    private static bool IsOf(string jobId, string symbolKey) => RemoteJobId.KeyOf(jobId)?.Symbol == symbolKey;

    /// <summary>What --remote reads: the run, optionally one symbol, how many lines, and the key ssh offers.</summary>
    private sealed record RemoteTail(string RunId, string? SymbolKey, int Lines, string? Identity);

    /// <summary>
    /// The run's machines that still live on Vast: their ssh command, and the tail of each job's train.log read with the
    /// operator's own ssh client (BatchMode: a missing key is an error, never a password prompt).
    /// </summary>
    private static async Task<int> WriteRemoteAsync(CommandContext ctx, RemoteTail tail, CancellationToken ct)
    {
        var (runId, symbolKey, n) = (tail.RunId, tail.SymbolKey, tail.Lines);
        var records = (await new InstanceRecords(Composition.Store(ctx)).ListAsync(ct).ConfigureAwait(false))
            .Where(r => r.RunId == runId && r.InstanceId is not null && (symbolKey is null || r.Jobs.Any(j => IsOf(j, symbolKey))))
            .ToList();
        var output = ctx.Host.Out;
        output.WriteLine();
        if (records.Count == 0)
        {
            output.WriteLine($"remote     run {runId} rented no machine{(symbolKey is null ? string.Empty : " for " + symbolKey)} (local or ssh provider, or it never got one)");
            return ExitCodes.Ok;
        }

        var client = Composition.Vast(ctx);
        var live = (await client.ListInstancesAsync(client.Options.LabelPrefix, ct).ConfigureAwait(false)).ToDictionary(i => i.Id);
        var root = ctx.Options.Remote.Root;
        var code = ExitCodes.Ok;
        foreach (var record in records)
        {
            var id = record.InstanceId!.Value;
            if (!live.TryGetValue(id, out var instance) || instance.ResolveSsh() is not { } ssh)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"remote     instance {id}: {record.Status.Wire()}, no longer live (its train.log came back with the run: see the job folders above)"));
                continue;
            }

            var knownHosts = Path.GetFullPath(Path.Combine(ctx.Options.EffectiveWorkDir, "ssh", string.Create(CultureInfo.InvariantCulture, $"known_hosts-{id}")));
            var args = SshArgs(ssh.Host, ssh.Port, knownHosts, tail.Identity);
            foreach (var job in record.Jobs.Where(j => symbolKey is null || IsOf(j, symbolKey)))
            {
                var remoteLog = $"{root}/jobs/{job}/out/train.log";
                output.WriteLine($"remote     instance {id}: ssh {string.Join(' ', args)} tail -n {n} {remoteLog}");
                code = Math.Max(code, await SshTailAsync(output, args, remoteLog, n, ct).ConfigureAwait(false));
            }
        }

        return code;
    }

    /// <summary>
    /// The ssh arguments for one machine. Vast hands the same host and port to one machine after another, so each instance
    /// gets a known_hosts file of its own in the work folder: the next machine on that port is not a "changed host key"
    /// alarm in the operator's ~/.ssh/known_hosts, and this machine's key is still pinned after the first read.
    /// </summary>
    private static List<string> SshArgs(string host, int port, string knownHosts, string? identity)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(knownHosts)!);
        List<string> args = ["-p", port.ToString(CultureInfo.InvariantCulture), "-o", "BatchMode=yes", "-o", "ConnectTimeout=15", "-o", "StrictHostKeyChecking=accept-new", "-o", "UserKnownHostsFile=" + knownHosts];
        if (identity is not null)
        {
            args.AddRange(["-i", Path.GetFullPath(identity), "-o", "IdentitiesOnly=yes"]);
        }

        args.Add($"root@{host}");
        return args;
    }

    private static async Task<int> SshTailAsync(TextWriter output, List<string> ssh, string remoteLog, int n, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("ssh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (IEnumerable<string>)[.. ssh, "tail", "-n", n.ToString(CultureInfo.InvariantCulture), "--", remoteLog])
        {
            psi.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
            output.WriteLine($"--- {remoteLog} on {ssh[^1]} port {ssh[1]}");
            output.Write(await stdout.ConfigureAwait(false));
            if (process.ExitCode != 0)
            {
                output.WriteLine($"  ! ssh exited {process.ExitCode}: {(await stderr.ConfigureAwait(false)).Trim()} (is your public key in Vast:OperatorPublicKeys?)");
                return ExitCodes.Failed;
            }

            return ExitCodes.Ok;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            output.WriteLine($"  ! cannot start ssh: {ex.Message}");
            return ExitCodes.Failed;
        }
    }
}
