using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using WebChat.Store;

namespace WebChat.Groups;

/// <summary>
/// The group core: every rule of docs/protocol.md, for every door. The hub and the TCP gateway only translate
/// its results and <see cref="ChatException"/> refusals into their own words. Refusals that protect the server
/// (limits, throttles) come before any password is hashed.
/// </summary>
public sealed class ChatGroups : IDisposable
{
    /// <summary>The most groups <see cref="ListAsync"/> returns.</summary>
    public const int MaxListedGroups = 100;

    private readonly IGroupStore _store;
    private readonly PasswordHasher _hasher;
    private readonly RejoinTokens _tokens;
    private readonly LocalMemberships _local;
    private readonly ChatOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ChatGroups> _log;
    private readonly ChatMetrics _metrics;
    private readonly PartitionedRateLimiter<string> _flood;
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _graceTimers = new();
    private readonly RefusalRuns _flooding = new();
    private readonly RefusalRuns _refusedAddresses = new();
    private readonly SemaphoreSlim[] _passwordStripes = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
    private HashSet<(int GroupId, string MemberId, string ConnectionId)> _orphanSuspects = [];
    private CancellationToken _keepMembers = CancellationToken.None;

    public ChatGroups(IGroupStore store, PasswordHasher hasher, RejoinTokens tokens, LocalMemberships local,
        IOptions<ChatOptions> options, TimeProvider time, ChatMetrics metrics, ILogger<ChatGroups> log)
    {
        (_store, _hasher, _tokens, _local, _options, _time, _metrics, _log) = (store, hasher, tokens, local, options.Value, time, metrics, log);
        NodeId = string.IsNullOrWhiteSpace(_options.NodeId) ? Guid.NewGuid().ToString("N")[..12] : _options.NodeId;
        var rate = _options.Limits.MessagesPerSecond;
        var burst = _options.Limits.MessageBurst;
        // The partitioned limiter replenishes every partition from one timer every 100 ms.
        var perTick = Math.Max(1, (int)Math.Round(rate / 10));
        var period = TimeSpan.FromSeconds(perTick / rate);
        _flood = PartitionedRateLimiter.Create<string, string>(memberId =>
            RateLimitPartition.GetTokenBucketLimiter(memberId, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = burst,
                TokensPerPeriod = perTick,
                ReplenishmentPeriod = period,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>This node's id in a shared store.</summary>
    public string NodeId { get; }

    public async Task<JoinedGroup> CreateAsync(Member caller, string? userName, string? password, CancellationToken ct = default)
    {
        var name = Rules.ValidName(userName);
        var pw = Rules.ValidPassword(password);
        CheckGroupsOfConnection(caller);
        await CountAttemptAsync(caller, ct);
        try { await _store.EnsureCanCreateAsync(caller.Address, ct); }
        catch (ChatException e) when (e.Error == ChatError.TooManyGroups)
        {
            if (_refusedAddresses.Refused("create|" + caller.Address)) _log.CreateRefused(caller.Address, caller.Door, caller.ConnectionId, e.Message);
            throw;
        }
        var hash = await _hasher.HashAsync(pw, ct);
        var snapshot = await _store.CreateGroupAsync(hash, NewMember(caller, name), caller.Address, ct);
        _refusedAddresses.Accepted("create|" + caller.Address);
        _log.GroupCreated(snapshot.GroupId, name, caller.Door, caller.ConnectionId, caller.Address);
        _metrics.GroupCreated();
        _metrics.MemberJoined(caller.Door);
        return Enter(caller, snapshot);
    }

    /// <summary>True if a live group has this id (the TCP dialogue asks for the id before the password).</summary>
    public async Task<bool> ExistsAsync(int groupId, CancellationToken ct = default) =>
        await _store.GetSecretAsync(groupId, ct) is not null;

    public async Task<JoinedGroup> JoinAsync(Member caller, int groupId, string? userName, string? password, CancellationToken ct = default)
    {
        var name = Rules.ValidName(userName);
        var pw = Rules.ValidPassword(password);
        if (_local.Find(caller.ConnectionId, groupId) is not null)
            throw new ChatException(ChatError.AlreadyMember, $"You are already a member of group {groupId}");
        CheckGroupsOfConnection(caller);
        await CountAttemptAsync(caller, ct);
        var (secret, reclaim) = await CheckPasswordAsync(caller, groupId, name, pw, ct);
        if (reclaim && await _store.ReclaimAsync(groupId, secret.Epoch, name, caller.Door, caller.ConnectionId, NodeId, ct) is { } back)
        {
            // A TCP member kept across a restart: its user takes its place back, and nobody is told.
            if (_graceTimers.TryRemove(back.Member.MemberId, out var timer)) timer.Cancel();
            _log.Rejoined(back.Member.Name, groupId, caller.Door, caller.ConnectionId, caller.Address);
            return Enter(caller, back);
        }
        var snapshot = await _store.AddMemberAsync(groupId, secret.Epoch, NewMember(caller, name), ct);
        _log.Joined(name, groupId, caller.Door, caller.ConnectionId, caller.Address);
        _metrics.MemberJoined(caller.Door);
        return Enter(caller, snapshot);
    }

    /// <summary>
    /// Restores a member on this connection with its current token, which stops working: the result holds the next one.
    /// A valid token is not counted against the address's attempts; an invalid one is.
    /// </summary>
    public async Task<JoinedGroup> RejoinAsync(Member caller, string? rejoinToken, long lastSeenMessageId, CancellationToken ct = default)
    {
        if (_tokens.TryRead(rejoinToken) is not { } claim)
            throw await InvalidTokenAsync(caller, "This rejoin token is not valid", ct);
        var secret = await _store.GetSecretAsync(claim.GroupId, ct);
        if (secret is null || secret.Epoch != claim.Epoch)
            throw await InvalidTokenAsync(caller, $"Group {claim.GroupId} of this rejoin token no longer exists", ct);
        var held = _local.Find(caller.ConnectionId, claim.GroupId);
        if (held is not null && held.MemberId != claim.MemberId)
        {
            _log.TakeoverRefused(caller.ConnectionId, caller.Address, held.Name, claim.GroupId);
            throw new ChatException(ChatError.AlreadyMember,
                $"This connection is already a member of group {claim.GroupId} as \"{held.Name}\"; it cannot take over another member");
        }
        if (held is null) CheckGroupsOfConnection(caller);
        var snapshot = await _store.AttachAsync(claim.GroupId, claim.Epoch, claim.MemberId, claim.Generation, caller.ConnectionId, NodeId,
                lastSeenMessageId, ct)
            ?? throw await InvalidTokenAsync(caller, "This rejoin token has expired or was already used; join the group again", ct);
        if (_graceTimers.TryRemove(claim.MemberId, out var timer)) timer.Cancel();
        _log.Rejoined(snapshot.Member.Name, snapshot.GroupId, caller.Door, caller.ConnectionId, caller.Address);
        return Enter(caller, snapshot);
    }

    public async Task LeaveAsync(Member caller, int groupId, CancellationToken ct = default)
    {
        var membership = _local.Find(caller.ConnectionId, groupId) ?? throw ChatException.NotMember(groupId);
        _local.Remove(caller.ConnectionId, groupId);
        await RemoveAsync(membership, onlyIfDetached: false, "left", ct);
    }

    /// <summary>Accepts a message, or returns null for an empty or all-blank one (ignored).</summary>
    public async Task<ChatMessage?> SendAsync(Member caller, int groupId, string? text, CancellationToken ct = default)
    {
        var membership = _local.Find(caller.ConnectionId, groupId) ?? throw ChatException.NotMember(groupId);
        string? valid;
        try { valid = Rules.ValidMessage(text); }
        catch (ChatException) { _metrics.MessageRefused("too_long"); throw; }
        if (valid is null) return null;
        using (var lease = _flood.AttemptAcquire(membership.MemberId))
        {
            if (!lease.IsAcquired)
            {
                // One line per run of refusals, not one per refused message: a flood must not flood the log.
                if (_flooding.Refused(membership.MemberId))
                    _log.FloodRefused(membership.Name, groupId, caller.Door, caller.ConnectionId);
                _metrics.MessageRefused("too_fast");
                throw new ChatException(ChatError.TooFast, "You are sending messages too fast; this one was not sent, slow down a little");
            }
        }
        _flooding.Accepted(membership.MemberId);
        var message = await _store.AppendMessageAsync(groupId, membership.MemberId, caller.ConnectionId, valid, _time.GetUtcNow().UtcDateTime, ct);
        _log.MessageAccepted(message.Id, groupId, message.Sender, valid);
        _metrics.MessageAccepted(caller.Door);
        return message;
    }

    /// <summary>At most <see cref="MaxListedGroups"/> groups, most members first.</summary>
    public Task<IReadOnlyList<GroupSummary>> ListAsync(CancellationToken ct = default) => _store.ListGroupsAsync(MaxListedGroups, ct);

    public Task<string[]> MembersAsync(int groupId, CancellationToken ct = default) => _store.GetMemberNamesAsync(groupId, ct);

    public Task<string?> OwnerAsync(int groupId, CancellationToken ct = default) => _store.GetOwnerAsync(groupId, ct);

    /// <summary>The owner removes a member: it leaves at once, its rejoin token stops working, and it may come back only with the password.</summary>
    public async Task RemoveMemberAsync(Member caller, int groupId, string? userName, CancellationToken ct = default)
    {
        var membership = _local.Find(caller.ConnectionId, groupId) ?? throw ChatException.NotMember(groupId);
        var removed = await _store.RemoveByOwnerAsync(groupId, membership.MemberId, caller.ConnectionId, TargetName(userName, groupId), ct);
        _log.RemovedByOwner(removed.Member.Name, groupId, removed.By);
        _metrics.MemberLeft(removed.Member.Door);
    }

    /// <summary>The owner sets a new password: members stay, joins from now on need it. Hashes like a create, under the same limits.</summary>
    public async Task ChangePasswordAsync(Member caller, int groupId, string? newPassword, CancellationToken ct = default)
    {
        var membership = _local.Find(caller.ConnectionId, groupId) ?? throw ChatException.NotMember(groupId);
        var pw = Rules.ValidPassword(newPassword);
        if (await _store.GetOwnerAsync(groupId, ct) != membership.Name) throw ChatException.NotOwner();
        await CountAttemptAsync(caller, ct);
        var hash = await _hasher.HashAsync(pw, ct);
        await _store.ChangePasswordAsync(groupId, membership.MemberId, caller.ConnectionId, hash, ct);
        _log.PasswordChanged(groupId, membership.Name);
    }

    /// <summary>The owner hands the group to another member.</summary>
    public async Task TransferOwnershipAsync(Member caller, int groupId, string? userName, CancellationToken ct = default)
    {
        var membership = _local.Find(caller.ConnectionId, groupId) ?? throw ChatException.NotMember(groupId);
        var owner = await _store.TransferOwnershipAsync(groupId, membership.MemberId, caller.ConnectionId, TargetName(userName, groupId), ct);
        _log.OwnerChanged(owner, groupId);
    }

    /// <summary>
    /// A connection closed. A hub member is kept for the reconnect grace (its Rejoin restores it);
    /// a TCP member, or any member when <paramref name="keepForGrace"/> is false, leaves at once.
    /// Once the node is stopping and keeps its groups (<see cref="KeepMembersOnStop"/>), every member stays.
    /// </summary>
    public async Task ConnectionClosedAsync(Member caller, bool keepForGrace, CancellationToken ct = default)
    {
        foreach (var membership in _local.RemoveConnection(caller.ConnectionId))
        {
            try
            {
                // A graceful stop of a node that keeps its groups: every member stays, without connection, for the next start.
                if (_keepMembers.IsCancellationRequested)
                    await _store.DetachAsync(membership.GroupId, membership.MemberId, caller.ConnectionId, ct);
                else if (!keepForGrace)
                    await RemoveAsync(membership, onlyIfDetached: false, "disconnected", ct);
                // A member that already moved to another connection (a Rejoin from a new page) is left alone.
                else if (!await _store.DetachAsync(membership.GroupId, membership.MemberId, caller.ConnectionId, ct))
                    continue;
                else if (_options.ReconnectGraceSeconds > 0)
                    StartGrace(membership);
                else
                    await RemoveAsync(membership, onlyIfDetached: true, "disconnected", ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _log.LogWarning(ex, "Could not release {UserName} of group {GroupId} after its connection closed", membership.Name, membership.GroupId);
            }
        }
    }

    /// <summary>
    /// For a node that keeps its groups across a restart: once <paramref name="stopping"/> is cancelled, closing
    /// connections no longer take their members out of their groups (no leave is published), so they are there
    /// at the next start.
    /// </summary>
    public void KeepMembersOnStop(CancellationToken stopping) => _keepMembers = stopping;

    /// <summary>
    /// Members read back at start, all without connection, are kept for the reconnect grace from now: a hub
    /// member comes back with Rejoin, a TCP member by joining again with its name and the password; whoever does
    /// not leaves as usual.
    /// </summary>
    public void KeepRestored(IReadOnlyList<(int GroupId, string Epoch, MemberRecord Member)> restored)
    {
        foreach (var groupId in restored.Select(r => r.GroupId).Distinct()) _metrics.GroupCreated();
        foreach (var (groupId, epoch, m) in restored)
        {
            _metrics.MemberJoined(m.Door);
            StartGrace(new LocalMembership(groupId, epoch, m.MemberId, m.Name, m.Door));
        }
    }

    /// <summary>
    /// Removes members of this node that the store holds as connected but no local connection holds (their
    /// connection is gone without a release), once they are seen so on two sweeps in a row, so that no group
    /// outlives all its connections.
    /// </summary>
    internal async Task<int> SweepOrphansAsync(IEnumerable<(int GroupId, MemberRecord Member)> connected, CancellationToken ct = default)
    {
        var suspects = new HashSet<(int, string, string)>();
        var removed = 0;
        foreach (var (groupId, m) in connected)
        {
            if (m.ConnectionId is null || _local.Find(m.ConnectionId, groupId)?.MemberId == m.MemberId) continue;
            var key = (groupId, m.MemberId, m.ConnectionId);
            if (!_orphanSuspects.Contains(key))
            {
                suspects.Add(key);
                continue;
            }
            var result = await _store.RemoveMemberAsync(groupId, m.MemberId, onlyIfDetached: false, ct);
            if (!result.Removed) continue;
            removed++;
            _log.OrphanRemoved(m.Name, groupId, m.ConnectionId);
            Released(new LocalMembership(groupId, "", m.MemberId, m.Name, m.Door), result);
        }
        _orphanSuspects = suspects;
        return removed;
    }

    public void Dispose()
    {
        foreach (var timer in _graceTimers.Values) timer.Cancel();
        _flood.Dispose();
    }

    private void CheckGroupsOfConnection(Member caller)
    {
        var limit = _options.Limits.GroupsPerConnection;
        if (_local.Count(caller.ConnectionId) >= limit)
            throw new ChatException(ChatError.TooManyGroups,
                $"You are already a member of {limit} groups on this connection; leave one before joining another");
    }

    private async Task CountAttemptAsync(Member caller, CancellationToken ct)
    {
        if (await _store.TryCountAttemptAsync(caller.Address, ct))
        {
            _refusedAddresses.Accepted("attempts|" + caller.Address);
            return;
        }
        if (_refusedAddresses.Refused("attempts|" + caller.Address)) _log.AttemptsRefused(caller.Address, caller.Door, caller.ConnectionId);
        throw new ChatException(ChatError.TooManyAttempts,
            $"Too many attempts to create or join groups from your address (at most {_options.Limits.JoinsPerMinute} a minute); wait a minute and try again");
    }

    private async Task<ChatException> InvalidTokenAsync(Member caller, string message, CancellationToken ct)
    {
        await CountAttemptAsync(caller, ct);
        return new ChatException(ChatError.InvalidToken, message);
    }

    private static string TargetName(string? userName, int groupId)
    {
        var name = userName?.Trim() ?? "";
        return name.Length is > 0 and <= 4 * Rules.MaxNameLength ? name : throw ChatException.UnknownMember(name, groupId);
    }

    /// <summary>
    /// The throttle check, the name check (a name held by a TCP member waiting to be taken back passes, for a TCP caller), the hash comparison and the failure count run as one step per client
    /// address (striped locks), so parallel guesses from one address cannot slip past the allowance. Nothing is
    /// hashed for a throttled address, an unknown group or a name that is taken.
    /// </summary>
    private async Task<(GroupSecret Secret, bool Reclaim)> CheckPasswordAsync(Member caller, int groupId, string name, string password,
        CancellationToken ct)
    {
        var stripe = _passwordStripes[(uint)StringComparer.Ordinal.GetHashCode(caller.Address) % (uint)_passwordStripes.Length];
        await stripe.WaitAsync(ct);
        try
        {
            if (await _store.IsThrottledAsync(caller.Address, ct))
            {
                if (_refusedAddresses.Refused("password|" + caller.Address)) _log.PasswordThrottled(caller.Address, caller.Door, caller.ConnectionId);
                _metrics.PasswordFailure(throttled: true);
                throw new ChatException(ChatError.Throttled,
                    "Too many wrong passwords from your address; wait a minute before trying again");
            }
            _refusedAddresses.Accepted("password|" + caller.Address);
            var secret = await _store.GetSecretAsync(groupId, ct) ?? throw ChatException.UnknownGroup(groupId);
            var key = Rules.NameKey(name);
            var reclaim = false;
            if ((await _store.GetMemberNamesAsync(groupId, ct)).Any(n => Rules.NameKey(n) == key))
            {
                if (caller.Door != Door.Tcp || !await _store.CanReclaimAsync(groupId, name, caller.Door, ct)) throw ChatException.NameTaken(name, groupId);
                reclaim = true;
            }
            if (await _hasher.VerifyAsync(password, secret.PasswordHash, ct)) return (secret, reclaim);
            await _store.RecordPasswordFailureAsync(caller.Address, ct);
            _log.PasswordRefused(groupId, caller.Address, caller.Door, caller.ConnectionId);
            _metrics.PasswordFailure(throttled: false);
            throw ChatException.WrongPassword(groupId);
        }
        finally { stripe.Release(); }
    }

    private MemberRecord NewMember(Member caller, string name) =>
        new(Guid.NewGuid().ToString("N"), name, caller.Door, caller.ConnectionId, NodeId);

    private JoinedGroup Enter(Member caller, JoinSnapshot s)
    {
        _local.Add(caller.ConnectionId, new LocalMembership(s.GroupId, s.Epoch, s.Member.MemberId, s.Member.Name, caller.Door));
        var token = _tokens.Issue(new RejoinClaim(s.GroupId, s.Epoch, s.Member.MemberId, s.Member.Generation));
        return new JoinedGroup(s.GroupId, s.Member.Name, s.Members, s.History, token, s.Owner);
    }

    private async Task RemoveAsync(LocalMembership m, bool onlyIfDetached, string reason, CancellationToken ct)
    {
        var result = await _store.RemoveMemberAsync(m.GroupId, m.MemberId, onlyIfDetached, ct);
        if (!result.Removed) return;
        _log.Left(m.Name, m.GroupId, reason);
        Released(m, result);
    }

    private void Released(LocalMembership m, RemoveResult result)
    {
        _flooding.Accepted(m.MemberId);
        _metrics.MemberLeft(m.Door);
        if (result.NewOwner is not null) _log.OwnerChanged(result.NewOwner, m.GroupId);
        if (result.GroupDeleted)
        {
            _log.GroupDeleted(m.GroupId);
            _metrics.GroupDeleted();
        }
    }

    private void StartGrace(LocalMembership m)
    {
        var cts = new CancellationTokenSource();
        if (_graceTimers.TryRemove(m.MemberId, out var previous)) previous.Cancel();
        _graceTimers[m.MemberId] = cts;
        _ = ExpireAsync();

        async Task ExpireAsync()
        {
            try
            {
                await Task.Delay(_options.ReconnectGrace, _time, cts.Token);
                _graceTimers.TryRemove(new KeyValuePair<string, CancellationTokenSource>(m.MemberId, cts));
                await RemoveAsync(m, onlyIfDetached: true, "reconnect grace expired", CancellationToken.None);
            }
            catch (OperationCanceledException) { }
            catch (Exception ex)
            {
                _log.LogWarning(ex, "Could not expire {UserName} of group {GroupId}", m.Name, m.GroupId);
            }
            finally { cts.Dispose(); }
        }
    }
}
