using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Vast;

/// <summary>Compile-time JSON metadata of Vast's responses and our tables of them.</summary>
[JsonSerializable(typeof(List<VastInstance>))]
[JsonSerializable(typeof(List<VastOffer>))]
[JsonSerializable(typeof(VastInstance))]
[JsonSerializable(typeof(VastUser))]
[JsonSerializable(typeof(IReadOnlyList<InstanceRow>))]
[JsonSerializable(typeof(IReadOnlyList<OfferRow>))]
internal sealed partial class VastJsonContext : JsonSerializerContext
{
    /// <summary>The project's conventions, indented as the files are written.</summary>
    public static VastJsonContext Indented { get; } = new(Json.Conventions(indented: true));

    /// <summary>The same on one line (log lines, payloads, JSON Lines).</summary>
    public static VastJsonContext Compact { get; } = new(Json.Conventions(indented: false));
}
