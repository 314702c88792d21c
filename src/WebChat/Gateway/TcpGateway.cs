using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using WebChat.Groups;

namespace WebChat.Gateway;

/// <summary>
/// The legacy TCP door (the seed's menu dialogue, see the README): accepts on Kestrel's socket transport (pipes and pooled memory),
/// runs one <see cref="TcpSession"/> per connection, limits connections per address, and on shutdown tells
/// every connected user before closing its socket.
/// </summary>
public sealed class TcpGateway(
    ChatGroups groups, GatewaySessions sessions, GatewayEndpoint endpoint, ChatMetrics metrics, SlowReceiverPolicy slowReceivers,
    IOptions<ChatOptions> options, TimeProvider time, ILoggerFactory loggerFactory, IServiceProvider services) : BackgroundService
{
    private readonly ChatOptions _options = options.Value;
    private readonly ILogger _log = loggerFactory.CreateLogger<TcpGateway>();
    private readonly ConcurrentDictionary<string, Task> _connections = new();
    private readonly Dictionary<string, int> _perAddress = [];
    private IConnectionListener? _listener;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Gateway.Enabled)
        {
            GatewayLog.Disabled(_log);
            return;
        }
        // Kestrel's own socket transport from the container: its connections write into blocks of Kestrel's
        // pinned block pool. One built here would fall back to the shared array pool, which keeps few 4 KiB
        // arrays, so a fan-out to hundreds of sockets allocated a fresh block per write (~2.5 KB a delivery).
        // Hosts without Kestrel (the in-memory test server) get one of their own.
        var transport = services.GetServices<IConnectionListenerFactory>().OfType<SocketTransportFactory>().FirstOrDefault()
                        ?? new SocketTransportFactory(Options.Create(new SocketTransportOptions()), loggerFactory);
        try
        {
            _listener = await transport.BindAsync(new IPEndPoint(IPAddress.IPv6Any, _options.Gateway.Port), cancellationToken);
        }
        catch (Exception ex) when (ex is SocketException or NotSupportedException)
        {
            // No IPv6 on this host: IPv4 only.
            _listener = await transport.BindAsync(new IPEndPoint(IPAddress.Any, _options.Gateway.Port), cancellationToken);
        }
        endpoint.Port = ((IPEndPoint)_listener.EndPoint).Port;
        GatewayLog.Listening(_log, _listener.EndPoint.ToString()!, endpoint.Port);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_listener is null) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            ConnectionContext? connection;
            try { connection = await _listener.AcceptAsync(stoppingToken); }
            catch (OperationCanceledException) { break; }
            if (connection is null) break;
            var task = ServeAsync(connection);
            _connections[connection.ConnectionId] = task;
            _ = task.ContinueWith(_ => _connections.TryRemove(connection.ConnectionId, out var _), TaskScheduler.Default);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_listener is null) return;
        await _listener.UnbindAsync(cancellationToken);
        await base.StopAsync(cancellationToken);

        var open = sessions.All.ToArray();
        if (open.Length > 0) GatewayLog.Stopping(_log, open.Length);
        foreach (var session in open) session.Stop();
        try
        {
            await Task.WhenAll(_connections.Values).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            foreach (var session in sessions.All) session.Abort();
        }
        await _listener.DisposeAsync();
    }

    private async Task ServeAsync(ConnectionContext connection)
    {
        await Task.Yield();
        var address = AddressOf(connection.RemoteEndPoint);
        var member = new Member(Door.Tcp, $"tcp-{groups.NodeId}-{connection.ConnectionId}", address);
        using var scope = _log.BeginScope(new Dictionary<string, object>
        {
            ["Door"] = "tcp",
            ["ConnectionId"] = member.ConnectionId,
            ["Address"] = address,
        });
        try
        {
            if (!TryEnter(address))
            {
                GatewayLog.TooManyConnections(_log, address, _options.Gateway.MaxConnectionsPerAddress);
                await connection.Transport.Output.WriteAsync(
                    GatewayTexts.Bytes(GatewayTexts.TooManyConnections(_options.Gateway.MaxConnectionsPerAddress)));
                await connection.Transport.Output.CompleteAsync();
                return;
            }
            GatewayLog.Opened(_log, member.ConnectionId, address);
            metrics.ConnectionOpened(Door.Tcp);
            var session = new TcpSession(connection, member, groups, sessions, slowReceivers, _options, time, _log);
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
                GatewayLog.Closed(_log, member.ConnectionId, address);
            }
        }
        catch (Exception ex)
        {
            GatewayLog.SessionFailed(_log, ex);
        }
        finally
        {
            await connection.DisposeAsync();
        }
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

    private static string AddressOf(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip when ip.Address.IsIPv4MappedToIPv6 => ip.Address.MapToIPv4().ToString(),
        IPEndPoint ip => ip.Address.ToString(),
        null => "unknown",
        _ => endPoint.ToString() ?? "unknown",
    };
}
