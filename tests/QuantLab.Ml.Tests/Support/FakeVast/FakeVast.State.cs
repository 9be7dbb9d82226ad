namespace QuantLab.Ml.Tests.Support.FakeVast;

/// <summary>What the fake keeps per offer and per instance.</summary>
public sealed partial class FakeVast
{
    private sealed class OfferState(long id, FakeOffer offer)
    {
        public long Id { get; } = id;
        public FakeOffer Offer { get; } = offer;
        public bool Rented { get; set; }
        public long MachineId => Offer.MachineId ?? 90_000 + Id;
    }

    private sealed class InstanceState(long id, long? offerId, FakeOffer offer, DateTimeOffset started)
    {
        public long Id { get; } = id;
        public long? OfferId { get; } = offerId;
        public FakeOffer Offer { get; } = offer;
        public DateTimeOffset Started { get; } = started;
        public required FakeInstanceSchedule Schedule { get; set; }
        public int Polls { get; set; }
        public string? Label { get; set; }
        public string? Image { get; set; }
        public double DiskGb { get; set; }
        public Dictionary<string, string> Env { get; } = [];
        public string? Onstart { get; set; }
        public string? Runtype { get; set; }
        public List<string> SshKeys { get; } = [];
        public bool Destroyed { get; set; }
        public bool Stopped { get; set; }
        public long MachineId { get; set; }

        /// <summary>How many more destroys answer success and leave it alive.</summary>
        public int IgnoredDestroys { get; set; }

        /// <summary>How many more v1 list calls leave this instance out.</summary>
        public int HiddenFromLists { get; set; }

        public FakeStep Current => Stopped
            ? new FakeStep { Status = "stopped", StatusMsg = "insufficient bid" }
            : Schedule.At(Math.Max(Polls, 1));

        public FakeVastInstance Snapshot() => new()
        {
            Id = Id,
            OfferId = OfferId,
            Label = Label,
            Status = Current.Status,
            Image = Image,
            DiskGb = DiskGb,
            Env = new Dictionary<string, string>(Env),
            Onstart = Onstart,
            Runtype = Runtype,
            SshKeys = [.. SshKeys],
            Polls = Polls,
            Destroyed = Destroyed,
        };
    }
}
