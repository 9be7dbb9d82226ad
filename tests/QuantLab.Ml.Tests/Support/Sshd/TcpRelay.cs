using System.Net;
using System.Net.Sockets;

namespace QuantLab.Ml.Tests.Support.Sshd;

/// <summary>
/// A loopback TCP forwarder whose destination port can be switched and whose connections can be cut, so a test can make
/// "the same host" answer with a different sshd (and host key) on reconnect.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly List<TcpClient> open = [];
    private readonly Lock gate = new();
    private readonly Task acceptLoop;
    private volatile int targetPort;

    public TcpRelay(int targetPort)
    {
        this.targetPort = targetPort;
        listener.Start();
        acceptLoop = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public int Accepted { get; private set; }

    /// <summary>New connections go to <paramref name="port"/>; existing ones are closed.</summary>
    public void SwitchTo(int port)
    {
        targetPort = port;
        DropAll();
    }

    public void DropAll()
    {
        lock (gate)
        {
            foreach (var client in open)
            {
                client.Dispose();
            }

            open.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        DropAll();
        try
        {
            await acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            var inbound = await listener.AcceptTcpClientAsync(stop.Token);
            Accepted++;
            var outbound = new TcpClient();
            try
            {
                await outbound.ConnectAsync(IPAddress.Loopback, targetPort, stop.Token);
            }
            catch (SocketException)
            {
                inbound.Dispose();
                outbound.Dispose();
                continue;
            }

            lock (gate)
            {
                open.Add(inbound);
                open.Add(outbound);
            }

            _ = PumpAsync(inbound, outbound);
            _ = PumpAsync(outbound, inbound);
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream(), stop.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }
}
