using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using WebChat.Groups;
using WebChat.Security;

namespace WebChat.Gateway;

/// <summary>
/// The legacy TCP door (docs/protocol.md): accepts on Kestrel's socket transport (pipes and pooled memory) on the plain port and,
/// when configured, the TLS port; sets each connection up at the network edge (<see cref="GatewayEdge"/>: dead-peer
/// detection, the PROXY header, TLS), runs one <see cref="TcpSession"/> per connection, limits connections per
/// client address, and on shutdown tells every connected user before closing its socket.
/// </summary>
public sealed class TcpGateway(
    ChatGroups groups, GatewaySessions sessions, GatewayEndpoint endpoint, ChatMetrics metrics, SlowReceiverPolicy slowReceivers,
    IOptions<ChatOptions> options, IOptions<HostOptions> hostOptions, KnownProxies proxies, TimeProvider time,
    ILoggerFactory loggerFactory, IServiceProvider services) : BackgroundService
{
    /// <summary>The first wait after a failed accept; it doubles up to <see cref="MaxAcceptBackoff"/> while accepts keep failing.</summary>
    private static readonly TimeSpan FirstAcceptBackoff = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxAcceptBackoff = TimeSpan.FromSeconds(1);

    private readonly ChatOptions _options = options.Value;
    private readonly ILogger _log = loggerFactory.CreateLogger<TcpGateway>();
    // Connections being served are counted, not kept in a table (nothing per connection beyond the count);
    // the shutdown waits until the count is back to zero.
    private int _serving;
    private TaskCompletionSource? _allClosed;
    private readonly Dictionary<string, int> _perAddress = [];
    private readonly List<(IConnectionListener Listener, bool Tls)> _listeners = [];
    private GatewayEdge? _edge;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Gateway.Enabled)
        {
            GatewayLog.Disabled(_log);
            return;
        }
        var certificate = _options.Gateway.TlsPort != 0
            ? GatewayCertificate.Load(_options.Gateway.Certificate, time, _log)
            : null;
        if (_options.Gateway.ProxyProtocol && proxies.IsEmpty) GatewayLog.ProxyProtocolWithoutProxies(_log);
        _edge = new GatewayEdge(_options.Gateway, proxies, certificate, time, _log);

        // Kestrel's own socket transport from the container: its connections write into blocks of Kestrel's
        // pinned block pool. One built here would fall back to the shared array pool, which keeps few 4 KiB
        // arrays, so a fan-out to hundreds of sockets allocated a fresh block per write (~2.5 KB a delivery).
        // Hosts without Kestrel (the in-memory test server) get one of their own. A keyed "gateway" factory,
        // when registered, takes its place (tests use it to make accepts fail).
        var transport = services.GetKeyedService<IConnectionListenerFactory>("gateway")
                        ?? services.GetServices<IConnectionListenerFactory>().OfType<SocketTransportFactory>().FirstOrDefault()
                        ?? new SocketTransportFactory(Options.Create(new SocketTransportOptions()), loggerFactory);
        var plain = await BindAsync(transport, _options.Gateway.Port, cancellationToken);
        _listeners.Add((plain, false));
        endpoint.Port = ((IPEndPoint)plain.EndPoint).Port;
        GatewayLog.Listening(_log, plain.EndPoint.ToString()!, endpoint.Port);
        if (certificate is not null)
        {
            var tls = await BindAsync(transport, _options.Gateway.TlsPort, cancellationToken);
            _listeners.Add((tls, true));
            endpoint.TlsPort = ((IPEndPoint)tls.EndPoint).Port;
            GatewayLog.ListeningTls(_log, tls.EndPoint.ToString()!, endpoint.TlsPort, certificate.Certificate.Subject, certificate.Certificate.NotAfter);
        }
        await base.StartAsync(cancellationToken);
    }

    private static async Task<IConnectionListener> BindAsync(IConnectionListenerFactory transport, int port, CancellationToken cancellationToken)
    {
        try
        {
            return await transport.BindAsync(new IPEndPoint(IPAddress.IPv6Any, port), cancellationToken);
        }
        catch (Exception ex) when (ex is SocketException or NotSupportedException)
        {
            // No IPv6 on this host: IPv4 only.
            return await transport.BindAsync(new IPEndPoint(IPAddress.Any, port), cancellationToken);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_listeners.Select(l => AcceptLoopAsync(l.Listener, l.Tls, stoppingToken)));

    /// <summary>Accepts until the listener is unbound. A failed accept (out of file descriptors, say) is logged and retried after a short wait.</summary>
    private async Task AcceptLoopAsync(IConnectionListener listener, bool tls, CancellationToken stoppingToken)
    {
        var backoff = FirstAcceptBackoff;
        var port = ((IPEndPoint)listener.EndPoint).Port;
        while (!stoppingToken.IsCancellationRequested)
        {
            ConnectionContext? connection;
            try
            {
                connection = await listener.AcceptAsync(stoppingToken);
                backoff = FirstAcceptBackoff;
            }
            catch (OperationCanceledException) { break; }
            catch (Exception ex)
            {
                GatewayLog.AcceptFailed(_log, ex, port, (int)backoff.TotalMilliseconds);
                try { await Task.Delay(backoff, time, stoppingToken); }
                catch (OperationCanceledException) { break; }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxAcceptBackoff.Ticks));
                continue;
            }
            if (connection is null) break;
            Interlocked.Increment(ref _serving);
            _ = ServeAsync(connection, tls);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_listeners.Count == 0) return;
        foreach (var (listener, _) in _listeners) await listener.UnbindAsync(cancellationToken);
        await base.StopAsync(cancellationToken);

        var open = sessions.All.ToArray();
        if (open.Length > 0) GatewayLog.Stopping(_log, open.Length);
        foreach (var session in open) session.Stop();
        try
        {
            // Half the host's shutdown time for users to take their last lines; then the rest is cut.
            var shutdown = hostOptions.Value.ShutdownTimeout;
            var drain = shutdown == Timeout.InfiniteTimeSpan ? shutdown : shutdown / 2;
            var allClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _allClosed, allClosed);
            if (Volatile.Read(ref _serving) == 0) allClosed.TrySetResult();
            await allClosed.Task.WaitAsync(drain, time, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            foreach (var session in sessions.All) session.Abort();
        }
        foreach (var (listener, _) in _listeners) await listener.DisposeAsync();
    }

    private async Task ServeAsync(ConnectionContext connection, bool tls)
    {
        await Task.Yield();
        EdgeClient? client;
        try { client = await _edge!.OpenAsync(connection, tls); }
        catch (Exception ex)
        {
            GatewayLog.SessionFailed(_log, ex);
            client = null;
        }
        if (client is null)
        {
            try { await connection.DisposeAsync(); }
            finally { Served(); }
            return;
        }
        var address = ClientAddress.Key(client.Address);
        var shown = ClientAddress.Display(client.Address);
        var member = new Member(Door.Tcp, $"tcp-{groups.NodeId}-{connection.ConnectionId}", address);
        using var scope = _log.BeginScope(new TcpLogScope(tls, member.ConnectionId, shown));
        try
        {
            if (!TryEnter(address))
            {
                GatewayLog.TooManyConnections(_log, shown, _options.Gateway.MaxConnectionsPerAddress);
                await connection.Transport.Output.WriteAsync(
                    GatewayTexts.Bytes(GatewayTexts.TooManyConnections(_options.Gateway.MaxConnectionsPerAddress)));
                await connection.Transport.Output.CompleteAsync();
                return;
            }
            GatewayLog.Opened(_log, member.ConnectionId, shown);
            metrics.ConnectionOpened(Door.Tcp);
            var socket = tls ? null : connection.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionSocketFeature>()?.Socket;
            var session = new TcpSession(connection, member, groups, sessions, slowReceivers, _options, time, _log, socket);
            try
            {
                await session.RunAsync();
            }
            finally
            {
                // The address's slot is free before the peer sees the close.
                Exit(address);
                await session.CloseAsync();
                metrics.ConnectionClosed(Door.Tcp);
                GatewayLog.Closed(_log, member.ConnectionId, shown);
            }
        }
        catch (Exception ex)
        {
            GatewayLog.SessionFailed(_log, ex);
        }
        finally
        {
            try
            {
                await client.CloseAsync();
                await connection.DisposeAsync();
            }
            finally { Served(); }
        }
    }

    private void Served()
    {
        if (Interlocked.Decrement(ref _serving) == 0) Volatile.Read(ref _allClosed)?.TrySetResult();
    }

    private bool TryEnter(string address)
    {
        lock (_perAddress)
        {
            _perAddress.TryGetValue(address, out var count);
            if (count >= _options.Gateway.MaxConnectionsPerAddress) return false;
            _perAddress[address] = count + 1;
            return true;
        }
    }

    private void Exit(string address)
    {
        lock (_perAddress)
        {
            if (_perAddress.TryGetValue(address, out var count) && count > 1) _perAddress[address] = count - 1;
            else _perAddress.Remove(address);
        }
    }
}
