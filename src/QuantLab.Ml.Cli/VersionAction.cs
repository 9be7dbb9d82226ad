using System.CommandLine;
using System.CommandLine.Invocation;
using QuantLab.Ml.Operations;

namespace QuantLab.Ml.Cli;

/// <summary>--version: "quantlab-ml 1.2.3 (commit abcdef012345)", so an operator can tell exactly which build ran.</summary>
internal sealed class VersionAction(CliHost host) : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        host.Out.WriteLine($"quantlab-ml {BuildInfo.Of(typeof(VersionAction).Assembly)}");
        return ExitCodes.Ok;
    }
}
