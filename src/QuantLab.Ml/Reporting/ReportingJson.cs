using System.Text.Json.Serialization;
using QuantLab.Ml.Common;

namespace QuantLab.Ml.Reporting;

/// <summary>Compile-time JSON metadata of the candidate report's data file.</summary>
[JsonSerializable(typeof(ReportData))]
internal sealed partial class ReportingJson : JsonSerializerContext
{
    /// <summary>The project's conventions, indented as the files are written.</summary>
    public static ReportingJson Indented { get; } = new(Json.Conventions(indented: true));
}
