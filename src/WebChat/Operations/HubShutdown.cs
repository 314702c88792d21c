using Microsoft.AspNetCore.SignalR.Protocol;
using WebChat.Hubs;

namespace WebChat.Operations;

/// <summary>
/// On shutdown, sends every SignalR client a close message that says why ("Server is shutting down"),
/// with reconnect allowed, and gives the clients a moment to close before the framework closes the rest.
/// It registers on ApplicationStopping once the app has started, after SignalR's own connection manager,
/// so its callback runs first (cancellation callbacks run last-registered first).
/// </summary>
public sealed class HubShutdown(HubConnections connections, IHostApplicationLifetime lifetime, ILogger<HubShutdown> log) : IHostedService
{
    public const string Reason = "Server is shutting down";
    private static readonly TimeSpan GoodbyeTimeout = TimeSpan.FromSeconds(3);

    private CancellationTokenRegistration _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = lifetime.ApplicationStopping.Register(() => SayGoodbyeAsync().GetAwaiter().GetResult());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _registration.Dispose();
        return Task.CompletedTask;
    }

    private async Task SayGoodbyeAsync()
    {
        var open = connections.All.ToList();
        if (open.Count == 0) return;
        log.LogInformation("Shutting down: telling {Count} hub connections", open.Count);
        using var cts = new CancellationTokenSource(GoodbyeTimeout);
        var goodbye = new CloseMessage(Reason, allowReconnect: true);
        await Task.WhenAll(open.Select(async c =>
        {
            try { await c.WriteAsync(goodbye, cts.Token); }
            catch (Exception) { c.Abort(); }
        }));
        // Clients close on their side once they read it; the framework aborts whoever has not.
        while (connections.All.Any() && !cts.IsCancellationRequested)
            await Task.Delay(25, CancellationToken.None);
    }
}
