using Microsoft.AspNetCore.DataProtection;
using StackExchange.Redis;
using WebChat.Groups;

namespace WebChat.Store.Redis;

/// <summary>
/// Keeps this node in the cluster: makes it ready (inbox live, members registered) whenever Redis is
/// (back), refreshes its presence, and sweeps the members of dead nodes. A node sweeps only after a full
/// presence period of its own connection, so after an outage every live node has refreshed before anyone sweeps.
/// </summary>
public sealed class RedisNodeService(RedisNode node, RedisInbox inbox, RedisGroupStore store, LocalMemberships local,
    IDataProtectionProvider dataProtection, ILogger<RedisNodeService> log) : BackgroundService
{
    private const int SweepBatch = 200;
    private readonly TimeSpan _ttl = node.Options.PresenceTtl;
    private HashSet<string> _suspects = [];
    private bool _keyRingLoaded;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        DateTime? readySince = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            var changed = node.Changed;
            try
            {
                if (!node.IsReady)
                {
                    readySince = null;
                    if (node.Connection.IsConnected && await BecomeReadyAsync())
                        readySince = DateTime.UtcNow;
                }
                else
                {
                    if (await HeartbeatAsync() == 0)
                    {
                        log.LogWarning("Redis no longer knew this node ({NodeId}); registering its members again", node.NodeId);
                        await RegisterMembersAsync();
                    }
                    await RemoveGhostsAsync();
                    if (DateTime.UtcNow - readySince >= _ttl)
                        while (await SweepAsync() > 0 && !stoppingToken.IsCancellationRequested) { }
                }
            }
            catch (Exception ex) when (ex is RedisException or ChatException or TimeoutException)
            {
                log.LogWarning("Redis unreachable: {Reason}", ex.Message);
                node.IsReady = false;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Never let a surprise stop the host; try again from the start.
                log.LogError(ex, "The Redis node service failed; retrying");
                node.IsReady = false;
            }
            var wait = node.IsReady ? node.Options.RefreshInterval : TimeSpan.FromMilliseconds(250);
            await Task.WhenAny(changed, Task.Delay(wait, stoppingToken));
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // Let the other nodes take over at once: this node's connected members are gone with it.
        try { await node.Database.SortedSetAddAsync(node.Options.KeyPrefix + "nodes", node.NodeId, 0); }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException) { }
    }

    private async Task<bool> BecomeReadyAsync()
    {
        await inbox.EnsureSubscribedAsync();
        if (!await inbox.ProbeAsync(TimeSpan.FromMilliseconds(node.Options.TimeoutMilliseconds)))
        {
            await inbox.ResubscribeAsync();
            return false;
        }
        await node.LoadLibraryAsync();
        await HeartbeatAsync();
        await RegisterMembersAsync();
        if (!_keyRingLoaded) await LoadKeyRingAsync();
        node.IsReady = true;
        log.LogInformation("Redis ready: node {NodeId} listens on its inbox", node.NodeId);
        return true;
    }

    /// <summary>
    /// Loads (or creates) the shared Data Protection key ring under a Redis lock, so that nodes starting
    /// together on an empty Redis agree on one key instead of each making its own: a rejoin token issued
    /// by one node then opens on every node.
    /// </summary>
    private async Task LoadKeyRingAsync()
    {
        var lockKey = node.Options.KeyPrefix + "dataprotection-lock";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await node.Database.LockTakeAsync(lockKey, node.NodeId, TimeSpan.FromSeconds(10)) && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        try { dataProtection.CreateProtector("WebChat.KeyRing").Protect([1]); }
        finally { await node.Database.LockReleaseAsync(lockKey, node.NodeId); }
        _keyRingLoaded = true;
    }

    private async Task<int> HeartbeatAsync() =>
        (int)await node.RunAsync(RedisScripts.Heartbeat, node.NodeId, (long)_ttl.TotalMilliseconds);

    private async Task<int> SweepAsync() => (int)await node.RunAsync(RedisScripts.Sweep, SweepBatch);

    /// <summary>
    /// Registers this node's members again (recreating their groups if Redis lost its data). Nobody is
    /// told; the node's own connections are then brought up to date with any messages they missed.
    /// </summary>
    private async Task RegisterMembersAsync()
    {
        foreach (var group in local.All().GroupBy(m => (m.Membership.GroupId, m.Membership.Epoch)))
        {
            var (groupId, epoch) = group.Key;
            if (!store.KnownSecrets.TryGetValue(groupId, out var secret) || secret.Epoch != epoch)
            {
                log.LogWarning("Cannot register the members of group {GroupId} again: its password hash is not known here", groupId);
                continue;
            }
            var args = new List<RedisValue> { groupId, epoch, secret.PasswordHash, inbox.LastSeq(groupId, epoch), node.NodeId };
            args.AddRange(group.Select(m => (RedisValue)WireMember.Encode(new MemberRecord(
                m.Membership.MemberId, m.Membership.Name, m.Membership.Door, m.ConnectionId, node.NodeId))));
            var r = (long[])(await node.RunAsync(RedisScripts.Restore, args.ToArray()))!;
            if (r[0] != -1)
            {
                await inbox.CatchUpAsync(groupId, epoch, r[1]);
                continue;
            }
            // The id went to a new group while Redis was away: these members' group is gone. The script published
            // their leaves to this node's inbox, in the old group's stream (their connections must not hear the new
            // group); here they stop being members, as if the group had been deleted.
            log.LogWarning("Group {GroupId} was replaced by a newer group while Redis was away; its members here leave it", groupId);
            foreach (var (connectionId, _) in group) local.Remove(connectionId, groupId);
        }
    }

    /// <summary>
    /// Removes members that Redis holds for this node but the node does not (their leave failed while
    /// Redis was unreachable). Only those missing at two refreshes in a row: a join or a disconnect
    /// in flight is settled by the next one.
    /// </summary>
    private async Task RemoveGhostsAsync()
    {
        var registered = await node.Database.SetMembersAsync(node.Options.KeyPrefix + "node:" + node.NodeId + ":m");
        var held = local.All().Select(m => $"{m.Membership.GroupId}|{m.Membership.MemberId}").ToHashSet();
        var missing = registered.Select(v => (string)v!).Where(e => !held.Contains(e)).ToHashSet();
        var ghosts = missing.Where(_suspects.Contains).Select(e => (RedisValue)e).ToList();
        _suspects = missing;
        if (ghosts.Count == 0) return;
        ghosts.Insert(0, node.NodeId);
        if ((int)await node.RunAsync(RedisScripts.Ghosts, ghosts.ToArray()) is > 0 and var removed)
            log.LogInformation("Removed {Count} members whose leave had not reached Redis", removed);
    }
}
