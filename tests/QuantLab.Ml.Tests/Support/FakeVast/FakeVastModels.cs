namespace QuantLab.Ml.Tests.Support.FakeVast;

/// <summary>How the fake starts: its key, clock, port and page size.</summary>
public sealed record FakeVastOptions
{
    /// <summary>The only key the fake accepts; anything else gets Vast's 404 auth_error.</summary>
    public string ApiKey { get; init; } = "fake-vast-key-0123456789abcdef";

    /// <summary>Clock for start_date (instance ages); the test's FakeTimeProvider keeps ages deterministic.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>0 picks a free port on 127.0.0.1.</summary>
    public int Port { get; init; }
}

/// <summary>The endpoints the fake serves, for failure switches and call records.</summary>
public enum FakeVastRoute
{
    SearchOffers,
    CreateInstance,
    GetInstance,
    ListInstancesV1,
    ListInstancesV0,
    DestroyInstance,
    UpdateInstance,
    AttachSshKey,
    CurrentUser,
}

/// <summary>The three 429 bodies Vast is known to send.</summary>
public enum FakeRateLimitStyle
{
    /// <summary>text/plain "API requests too frequent: endpoint threshold=4.5".</summary>
    Text,

    /// <summary>{"detail":"API requests too frequent endpoint threshold=2.0"}.</summary>
    JsonDetail,

    /// <summary>{"success":false,"error":"rate_limit_exceeded","msg":...}.</summary>
    JsonError,
}

/// <summary>What the next create on an offer does instead of succeeding (each switch fires once).</summary>
public enum FakeCreateFailure
{
    /// <summary>404 invalid_args, msg "error 404/3603: no_such_ask ...".</summary>
    OfferGone404,

    /// <summary>410 no_such_ask, msg "error 410/3907: ... no longer available.".</summary>
    OfferGone410,

    /// <summary>success:false with a new_contract: a stopped instance exists and bills (the low-bid trap).</summary>
    FailedWithContract,

    /// <summary>The instance is created, then the answer is a 502.</summary>
    ServerErrorAfterCreate,

    /// <summary>A 503 and nothing created.</summary>
    ServerErrorBeforeCreate,

    /// <summary>A 502, and the instance it did create stays out of the next v1 list (Vast's list lags behind).</summary>
    ServerErrorAfterLateCreate,

    /// <summary>The instance is created, then the answer never comes (until the client gives up).</summary>
    HangAfterCreate,

    /// <summary>The answer never comes and nothing is created.</summary>
    HangBeforeCreate,

    /// <summary>400 "Insufficient credits".</summary>
    InsufficientCredit,
}

/// <summary>Ways the v1 list can break; none of them may be read as "no instances".</summary>
public enum FakeBrokenList
{
    EmptyBody,
    ErrorObject,
    Gone410,
    NotAList,
}

/// <summary>What GET /api/v0/instances/{id}/ answers for an instance that is gone.</summary>
public enum FakeGoneAnswer
{
    /// <summary><c>{"instances": null}</c>.</summary>
    Null,

    /// <summary><c>{"instances": {}}</c>, as the real API answers moments after a destroy.</summary>
    EmptyObject,

    /// <summary>404 <c>no_such_instance</c>.</summary>
    NotFound,
}

/// <summary>Whether running instances expose a direct port mapping or only the proxy.</summary>
public enum FakeSshMode
{
    Direct,
    ProxyOnly,
}

/// <summary>An offer the fake lists and can rent out once. Defaults: a verified 1× RTX 4090 in Sweden at about $0.35/h.</summary>
public sealed record FakeOffer
{
    public string GpuName { get; init; } = "RTX 4090";
    public int NumGpus { get; init; } = 1;
    public double GpuRamMb { get; init; } = 24564;
    public double DphBase { get; init; } = 0.35;

    /// <summary>$/GB/month; dph_total adds storage_cost × allocated_storage / 720.</summary>
    public double StorageCost { get; init; } = 0.10;
    public double Reliability { get; init; } = 0.99;
    public double Reliability2 { get; init; } = 0.99;
    public double InetDown { get; init; } = 800;
    public double InetUp { get; init; } = 500;
    public int DirectPortCount { get; init; } = 20;
    public string Geolocation { get; init; } = "Stockholm, SE";
    public bool Verified { get; init; } = true;
    public int HostingType { get; init; }
    public double DiskSpace { get; init; } = 500;
    public int ComputeCap { get; init; } = 890;
    public double CudaMaxGood { get; init; } = 12.8;

    /// <summary>A machine listed from outside Vast's marketplace (the CLI leaves these out unless asked).</summary>
    public bool External { get; init; }
    public long? MachineId { get; init; }

    /// <summary>Status steps for instances rented from this offer; null uses the fake's default.</summary>
    public FakeInstanceSchedule? Schedule { get; init; }
}

/// <summary>One stretch of an instance's life: this status for this many GETs of the instance.</summary>
public sealed record FakeStep
{
    public string? Status { get; init; }
    public int Polls { get; init; } = 1;
    public string? StatusMsg { get; init; }
}

/// <summary>The statuses a created instance goes through, driven by how often it is polled (not by wall time).</summary>
public sealed record FakeInstanceSchedule
{
    public required IReadOnlyList<FakeStep> Steps { get; init; }

    /// <summary>null → loading → running (the normal boot).</summary>
    public static FakeInstanceSchedule Boot(int provisioningPolls = 1, int loadingPolls = 2) => new()
    {
        Steps =
        [
            new() { Status = null, Polls = provisioningPolls },
            new() { Status = "loading", Polls = loadingPolls, StatusMsg = "Pulling image" },
            new() { Status = "running", Polls = int.MaxValue, StatusMsg = "success, running vastai/base-image" },
        ],
    };

    /// <summary>Loading forever.</summary>
    public static FakeInstanceSchedule StuckLoading() => new()
    {
        Steps = [new() { Status = "loading", Polls = int.MaxValue, StatusMsg = "Pulling image" }],
    };

    /// <summary>Loads, then ends in <paramref name="status"/> (exited, unknown, offline, stopped) for good.</summary>
    public static FakeInstanceSchedule EndsIn(string status, int loadingPolls = 1) => new()
    {
        Steps =
        [
            new() { Status = "loading", Polls = loadingPolls },
            new() { Status = status, Polls = int.MaxValue, StatusMsg = $"container {status}" },
        ],
    };

    /// <summary>Stays "created" with Docker's OCI error in status_msg.</summary>
    public static FakeInstanceSchedule OciError() => new()
    {
        Steps =
        [
            new()
            {
                Status = "created",
                Polls = int.MaxValue,
                StatusMsg = "Error response from daemon: failed to create task for container: OCI runtime create failed: runc create failed: unable to start container process",
            },
        ],
    };

    /// <summary>Running from the first poll.</summary>
    public static FakeInstanceSchedule RunningAtOnce() => new()
    {
        Steps = [new() { Status = "running", Polls = int.MaxValue, StatusMsg = "success, running" }],
    };

    internal FakeStep At(int polls)
    {
        var seen = 0L;
        foreach (var step in Steps)
        {
            seen += step.Polls;
            if (polls <= seen)
            {
                return step;
            }
        }

        return Steps[^1];
    }
}

/// <summary>One request the fake received, for assertions.</summary>
public sealed record FakeVastCall
{
    public required int Sequence { get; init; }
    public required string Method { get; init; }

    /// <summary>Path exactly as sent, trailing slash included.</summary>
    public required string Path { get; init; }

    /// <summary>Raw query string without '?', possibly empty.</summary>
    public required string Query { get; init; }
    public required string Body { get; init; }

    /// <summary>null for a path the fake does not know.</summary>
    public FakeVastRoute? Route { get; init; }
    public string? Authorization { get; init; }
    public required int StatusCode { get; init; }
}

/// <summary>A snapshot of one instance in the fake.</summary>
public sealed record FakeVastInstance
{
    public required long Id { get; init; }
    public long? OfferId { get; init; }
    public string? Label { get; init; }
    public string? Status { get; init; }
    public string? Image { get; init; }
    public double DiskGb { get; init; }
    public required IReadOnlyDictionary<string, string> Env { get; init; }
    public string? Onstart { get; init; }
    public string? Runtype { get; init; }
    public required IReadOnlyList<string> SshKeys { get; init; }
    public int Polls { get; init; }
    public bool Destroyed { get; init; }
}
