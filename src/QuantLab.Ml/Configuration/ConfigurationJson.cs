using System.Text.Json.Serialization;

namespace QuantLab.Ml.Configuration;

/// <summary>Compile-time metadata of the options tree, walked by ConfigKeys to know every key and its type.</summary>
[JsonSerializable(typeof(QuantLabOptions))]
internal sealed partial class ConfigurationJson : JsonSerializerContext;
