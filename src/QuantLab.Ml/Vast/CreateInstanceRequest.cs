using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Vast;

/// <summary>What to start on an accepted offer (body of <c>PUT /api/v0/asks/{id}/</c>).</summary>
public sealed record CreateInstanceRequest
{
    /// <summary>Docker image, e.g. <c>vastai/base-image:@vastai-automatic-tag</c>.</summary>
    public required string Image { get; init; }
    public required double DiskGb { get; init; }

    /// <summary>Unique per run and starting with the configured label prefix, so a lost create can be found again.</summary>
    public required string Label { get; init; }

    /// <summary>Container environment, sent as a JSON object (not the "-e" string the OpenAPI describes). Values never appear in ToString.</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();
    public string? Onstart { get; init; }

    /// <summary>What the Vast CLI sends: direct SSH with the proxy as fallback ("ssh_direc" is Vast's own spelling).</summary>
    public string Runtype { get; init; } = "ssh_direc ssh_proxy";

    /// <summary>Bid in $/h for interruptible instances; null rents on-demand. Vast silently rents on-demand when it is missing after a bid search.</summary>
    public double? BidPricePerHour { get; init; }

    /// <summary>Throws <see cref="UsageException"/> when Vast would reject the request or when the label is not ours.</summary>
    public CreateInstanceRequest Validate(string labelPrefix)
    {
        static void Check(bool ok, string message) => ConfigRules.Ensure(ok, "vast create: " + message);

        Check(!string.IsNullOrWhiteSpace(Image) && Image.Length <= 1024 && !Image.Any(char.IsWhiteSpace), "image must be 1-1024 characters without spaces");
        Check(DiskGb is >= 8 and <= 100_000, string.Create(CultureInfo.InvariantCulture, $"disk must be 8..100000 GB, got {DiskGb}"));
        Check(!string.IsNullOrEmpty(Label) && Label.StartsWith(labelPrefix, StringComparison.Ordinal),
            $"label '{SymbolName.Printable(Label)}' must start with '{labelPrefix}'");

        // dstack found 60 characters to be the longest label that works reliably.
        Check(Label.Length <= 60 && Label.All(c => c > ' ' && c < 127), "label must be at most 60 printable characters without spaces");
        Check(Env.All(kv => kv.Key.Length is > 0 and <= 256 && kv.Value.Length <= 256), "each env entry must be at most 256 characters");
        Check(Env.Sum(kv => kv.Key.Length + kv.Value.Length) <= 32_768, "env must be at most 32768 characters in total");
        Check((Onstart?.Length ?? 0) <= 4096, "onstart must be at most 4096 characters");
        Check(BidPricePerHour is null or (>= 0.001 and <= 128), "bid price must be 0.001..128 $/h");
        return this;
    }

    internal JsonObject ToRequestBody()
    {
        var env = new JsonObject();
        foreach (var (key, value) in Env)
        {
            env[key] = value;
        }

        var body = new JsonObject
        {
            ["client_id"] = "me",
            ["image"] = Image,
            ["disk"] = DiskGb,
            ["label"] = Label,
            ["env"] = env,
            ["onstart"] = Onstart,
            ["runtype"] = Runtype,
            ["cancel_unavail"] = true,
        };
        if (BidPricePerHour is { } price)
        {
            body["price"] = price;
        }

        return body;
    }

    // Env values may carry presigned URLs or tokens: print only the names.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture, $"Image = {Image}, DiskGb = {DiskGb}, Label = {Label}, Env = [{string.Join(", ", Env.Keys)}], ");
        builder.Append(CultureInfo.InvariantCulture, $"Onstart = {(Onstart is null ? "null" : $"<{Onstart.Length} chars>")}, Runtype = {Runtype}, BidPricePerHour = {BidPricePerHour}");
        return true;
    }
}

/// <summary>What came of one create call; the cases tell the caller what is safe to do next.</summary>
public abstract record CreateInstanceResult
{
    private CreateInstanceResult() { }

    /// <summary>Vast's message or our reason, masked and one line.</summary>
    public required string Message { get; init; }

    /// <summary>Rented: the instance exists and bills from now on.</summary>
    public sealed record Created : CreateInstanceResult
    {
        public required long InstanceId { get; init; }

        /// <summary>Key that controls only this instance (Vast injects it as CONTAINER_API_KEY).</summary>
        public Secret? InstanceApiKey { get; init; }
    }

    /// <summary>The offer was taken or vanished (no_such_ask, 404/410): try the next offer.</summary>
    public sealed record OfferUnavailable : CreateInstanceResult;

    /// <summary>Vast says it failed but still made (and bills) an instance: destroy <see cref="InstanceId"/> at once.</summary>
    public sealed record FailedWithContract : CreateInstanceResult
    {
        public required long InstanceId { get; init; }
    }

    /// <summary>Vast refused for a reason another offer will not fix (bad arguments, no credit): stop.</summary>
    public sealed record Rejected : CreateInstanceResult
    {
        public int? StatusCode { get; init; }
        public string? ErrorCode { get; init; }
    }

    /// <summary>429 from the create endpoint: nothing was created, but never retry blindly; wait, check the label, then try again.</summary>
    public sealed record RateLimited : CreateInstanceResult;

    /// <summary>Timeout, 5xx or a broken answer after the request was sent: an instance may exist; reconcile by label.</summary>
    public sealed record Ambiguous : CreateInstanceResult;
}
