using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Remote;

/// <summary>Compile-time JSON metadata of what a remote run writes and reads: its result record and the bootstrap report.</summary>
[JsonSerializable(typeof(RemoteRunResult))]
[JsonSerializable(typeof(BootstrapReport))]
internal sealed partial class RemoteJson : JsonSerializerContext
{
    /// <summary>The project's conventions, indented as the files are written.</summary>
    public static RemoteJson Indented { get; } = new(Json.Conventions(indented: true));
}
