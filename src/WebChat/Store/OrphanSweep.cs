using WebChat.Groups;

namespace WebChat.Store;

/// <summary>
/// For the in-memory store: once a minute, members held as connected by a connection of this node that no longer
/// holds them are removed (after two sweeps in a row), so no group outlives all its connections. The Redis store
/// has its own presence refresh for the same purpose.
/// </summary>
public sealed class OrphanSweep(IGroupStore store, ChatGroups groups, TimeProvider time, ILogger<OrphanSweep> log) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (store is not InMemoryGroupStore memory) return;
        using var timer = new PeriodicTimer(Period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try { await groups.SweepOrphansAsync(memory.ConnectedMembers(groups.NodeId), stoppingToken); }
                catch (Exception ex) when (ex is not OperationCanceledException) { log.LogWarning(ex, "The sweep of orphaned members failed"); }
            }
        }
        catch (OperationCanceledException) { }
    }
}
