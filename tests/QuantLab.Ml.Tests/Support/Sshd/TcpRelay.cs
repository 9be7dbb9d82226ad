using System.Net;
using System.Net.Sockets;

namespace QuantLab.Ml.Tests.Support.Sshd;

/// <summary>
/// A loopback TCP forwarder whose destination port can be switched and whose connections can be cut, so a test can make
/// "the same host" answer with a different sshd (and host key) on reconnect, and whose traffic toward the client can be
/// stalled part-way, so a test can make a connection go silent without closing it.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly List<TcpClient> open = [];
    private readonly Lock gate = new();
    private readonly Task acceptLoop;
    private volatile int targetPort;
    private long stallAfter = long.MaxValue;
    private long forwardedToClient;
    private TaskCompletionSource stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);

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

    /// <summary>
    /// After <paramref name="bytes"/> more bytes have gone from the server to the client, nothing more is forwarded (on any
    /// connection, open or new, either way) until <see cref="Resume"/>; the connections stay open. Completes when it stalls.
    /// </summary>
    public Task StallAfter(long bytes)
    {
        lock (gate)
        {
            stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
            resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref forwardedToClient, 0);
            Interlocked.Exchange(ref stallAfter, bytes);
            return stalled.Task;
        }
    }

    /// <summary>Forwards again; data held back while stalled is delivered.</summary>
    public void Resume()
    {
        lock (gate)
        {
            Interlocked.Exchange(ref stallAfter, long.MaxValue);
            resumed.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Resume();
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

            _ = PumpAsync(inbound, outbound, towardClient: false);
            _ = PumpAsync(outbound, inbound, towardClient: true);
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to, bool towardClient)
    {
        try
        {
            var buffer = new byte[81920];
            var source = from.GetStream();
            var destination = to.GetStream();
            int read;
            while ((read = await source.ReadAsync(buffer, stop.Token)) > 0)
            {
                if (towardClient && Interlocked.Add(ref forwardedToClient, read) > Interlocked.Read(ref stallAfter))
                {
                    stalled.TrySetResult();
                }

                if (Interlocked.Read(ref forwardedToClient) > Interlocked.Read(ref stallAfter))
                {
                    await resumed.Task.WaitAsync(stop.Token);
                }

                await destination.WriteAsync(buffer.AsMemory(0, read), stop.Token);
            }
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
