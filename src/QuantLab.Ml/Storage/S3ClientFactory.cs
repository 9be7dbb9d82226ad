using System.Text.Json.Serialization;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.S3;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Storage;

/// <summary>
/// Builds the S3 client from <see cref="S3Options"/> and an environment snapshot, the AWS way: endpoint from
/// S3:ServiceUrl, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL; credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
/// a profile, or the SDK's default chain.
/// </summary>
public static class S3ClientFactory
{
    private const string DefaultRegion = "us-east-1";

    /// <summary>Resolves what the client will use; nothing secret is in the result.</summary>
    public static S3ClientSettings Resolve(S3Options options, IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        options.Validate();
        string? Env(string name) => environment.GetValueOrDefault(name) is { Length: > 0 } v ? v.Trim() : null;

        var (endpoint, endpointFrom) = options.ServiceUrl is { } configured ? (configured, "S3:ServiceUrl")
            : Env("AWS_ENDPOINT_URL_S3") is { } s3Url ? (s3Url, "AWS_ENDPOINT_URL_S3")
            : Env("AWS_ENDPOINT_URL") is { } anyUrl ? (anyUrl, "AWS_ENDPOINT_URL")
            : ((string?)null, "AWS");
        if (endpoint is not null && endpointFrom != "S3:ServiceUrl")
        {
            // The same checks as the configuration key, naming the variable it came from.
            try
            {
                (options with { ServiceUrl = endpoint }).Validate();
            }
            catch (UsageException ex)
            {
                throw new UsageException(ex.Message.Replace("S3:ServiceUrl", endpointFrom, StringComparison.Ordinal));
            }
        }

        var region = options.Region ?? Env("AWS_REGION") ?? Env("AWS_DEFAULT_REGION") ?? DefaultRegion;
        (options with { Region = region }).Validate();

        var keyId = Env("AWS_ACCESS_KEY_ID");
        var secret = Env("AWS_SECRET_ACCESS_KEY");
        if ((keyId is null) != (secret is null))
        {
            throw new UsageException(keyId is null
                ? "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: set both or neither"
                : "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both or neither");
        }

        var profile = options.Profile ?? Env("AWS_PROFILE");
        var credentials = keyId is not null ? CredentialSource.Environment
            : profile is not null ? CredentialSource.Profile
            : CredentialSource.DefaultChain;
        return new S3ClientSettings
        {
            ServiceUrl = endpoint?.TrimEnd('/'),
            EndpointFrom = endpointFrom,
            Region = region,
            ForcePathStyle = options.ForcePathStyle ?? endpoint is not null,
            Credentials = credentials,
            Profile = credentials == CredentialSource.Profile ? profile : null,
        };
    }

    /// <summary>A client configured as <see cref="Resolve"/> says; the secret key goes only into the SDK's credentials object.</summary>
    public static AmazonS3Client Create(S3Options options, IReadOnlyDictionary<string, string?> environment)
    {
        var settings = Resolve(options, environment);
        var config = new AmazonS3Config
        {
            ForcePathStyle = settings.ForcePathStyle,

            // The SDK's own retries (standard mode) are the S3 resilience: nothing else wraps these calls.
            RetryMode = RequestRetryMode.Standard,
        };
        if (settings.ServiceUrl is { } url)
        {
            // Not RegionEndpoint: it would override ServiceURL. Compatible stores mostly reject v4's default
            // trailing checksums, and every object here carries (and is checked against) its sha256 anyway.
            config.ServiceURL = url;
            config.AuthenticationRegion = settings.Region;
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(settings.Region);
        }

        string Env(string name) => environment[name]!.Trim();
        AWSCredentials? credentials = settings.Credentials switch
        {
            CredentialSource.Environment => environment.GetValueOrDefault("AWS_SESSION_TOKEN") is { Length: > 0 }
                ? new SessionAWSCredentials(Env("AWS_ACCESS_KEY_ID"), Env("AWS_SECRET_ACCESS_KEY"), Env("AWS_SESSION_TOKEN"))
                : new BasicAWSCredentials(Env("AWS_ACCESS_KEY_ID"), Env("AWS_SECRET_ACCESS_KEY")),
            CredentialSource.Profile => new CredentialProfileStoreChain().TryGetAWSCredentials(settings.Profile, out var fromProfile)
                ? fromProfile
                : throw new UsageException($"AWS profile '{SymbolName.Printable(settings.Profile)}' was not found in ~/.aws/credentials or ~/.aws/config"),
            _ => null,
        };
        return credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
    }
}

/// <summary>Where the S3 client's credentials come from.</summary>
[JsonConverter(typeof(SnakeCaseNames<CredentialSource>))]
public enum CredentialSource
{
    /// <summary>AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) of the environment snapshot.</summary>
    Environment,

    /// <summary>A named profile (S3:Profile or AWS_PROFILE).</summary>
    Profile,

    /// <summary>The SDK's default chain: instance or container role, SSO, ~/.aws, its own environment reading.</summary>
    DefaultChain,
}

/// <summary>The resolved client settings, safe to log: no key, no secret.</summary>
public sealed record S3ClientSettings
{
    public string? ServiceUrl { get; init; }

    /// <summary>S3:ServiceUrl, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, or AWS.</summary>
    public required string EndpointFrom { get; init; }
    public required string Region { get; init; }
    public required bool ForcePathStyle { get; init; }
    public required CredentialSource Credentials { get; init; }
    public string? Profile { get; init; }

    /// <summary>One line for the log.</summary>
    public string Describe() =>
        $"{ServiceUrl ?? "AWS S3"} (endpoint from {EndpointFrom}, region {Region}, {(ForcePathStyle ? "path-style" : "virtual-host")} URLs, credentials from "
        + Credentials switch
        {
            CredentialSource.Environment => "the environment",
            CredentialSource.Profile => $"profile {Profile}",
            _ => "the SDK default chain",
        } + ")";
}
