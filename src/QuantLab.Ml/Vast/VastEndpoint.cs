using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Vast;

/// <summary>The Vast.ai endpoints we call; Vast rate-limits each one separately, so pacing is per endpoint.</summary>
[JsonConverter(typeof(SnakeCaseNames<VastEndpoint>))]
public enum VastEndpoint
{
    SearchOffers,
    CreateInstance,
    GetInstance,
    ListInstances,
    DestroyInstance,
    UpdateInstance,
    AttachSshKey,
    CurrentUser,
}
