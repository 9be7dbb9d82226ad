using QuantLab.Ml.Cli;

return await QuantLabCli.RunAsync(args, CliHost.FromProcess(), CancellationToken.None).ConfigureAwait(false);
