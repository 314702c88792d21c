using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using WebChat.Store;


namespace WebChat.Groups;

/// <summary>
/// The group core: every rule of CONTRACT section 1, for every door. The hub and the TCP gateway only
/// translate its results and <see cref="ChatException"/> refusals into their own words.
/// </summary>
public sealed class ChatGroups : IDisposable
{
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
    private readonly ConcurrentDictionary<string, byte> _flooding = new();
    private readonly SemaphoreSlim[] _passwordStripes = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public ChatGroups(IGroupStore store, PasswordHasher hasher, RejoinTokens tokens, LocalMemberships local,
        IOptions<ChatOptions> options, TimeProvider time, ChatMetrics metrics, ILogger<ChatGroups> log)
    {
        (_store, _hasher, _tokens, _local, _options, _time, _metrics, _log) = (store, hasher, tokens, local, options.Value, time, metrics, log);
        NodeId = string.IsNullOrWhiteSpace(_options.NodeId) ? Guid.NewGuid().ToString("N")[..12] : _options.NodeId;
        var rate = Math.Max(0.1, _options.Limits.MessagesPerSecond);
        var burst = Math.Max(1, _options.Limits.MessageBurst);
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
        var hash = _hasher.Hash(Rules.ValidPassword(password));
        var snapshot = await _store.CreateGroupAsync(hash, NewMember(caller, name), ct);
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
        var secret = await CheckPasswordAsync(caller, groupId, pw, ct);
        var snapshot = await _store.AddMemberAsync(groupId, secret.Epoch, NewMember(caller, name), ct);
        _log.Joined(name, groupId, caller.Door, caller.ConnectionId, caller.Address);
        _metrics.MemberJoined(caller.Door);
        return Enter(caller, snapshot);
    }

    public async Task<JoinedGroup> RejoinAsync(Member caller, string? rejoinToken, long lastSeenMessageId, CancellationToken ct = default)
    {
        var claim = _tokens.Read(rejoinToken);
        var secret = await _store.GetSecretAsync(claim.GroupId, ct);
        if (secret is null || secret.Epoch != claim.Epoch)
            throw new ChatException(ChatError.InvalidToken, $"Group {claim.GroupId} of this rejoin token no longer exists");
        var snapshot = await _store.AttachAsync(claim.GroupId, claim.Epoch, claim.MemberId, caller.ConnectionId, NodeId, lastSeenMessageId, ct)
            ?? throw new ChatException(ChatError.InvalidToken, "This rejoin token has expired; join the group again");
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
                if (_flooding.TryAdd(membership.MemberId, 0))
                    _log.FloodRefused(membership.Name, groupId, caller.Door, caller.ConnectionId);
                _metrics.MessageRefused("too_fast");
                throw new ChatException(ChatError.TooFast, "You are sending messages too fast; this one was not sent, slow down a little");
            }
        }
        if (!_flooding.IsEmpty) _flooding.TryRemove(membership.MemberId, out _);
        var message = await _store.AppendMessageAsync(groupId, membership.MemberId, valid, _time.GetUtcNow().UtcDateTime, ct);
        _log.MessageAccepted(message.Id, groupId, message.Sender, valid);
        _metrics.MessageAccepted(caller.Door);
        return message;
    }

    public Task<IReadOnlyList<GroupSummary>> ListAsync(CancellationToken ct = default) => _store.ListGroupsAsync(ct);

    public Task<string[]> MembersAsync(int groupId, CancellationToken ct = default) => _store.GetMemberNamesAsync(groupId, ct);

    /// <summary>
    /// A connection closed. A hub member is kept for the reconnect grace (its Rejoin restores it);
    /// a TCP member, or any member when <paramref name="keepForGrace"/> is false, leaves at once.
    /// </summary>
    public async Task ConnectionClosedAsync(Member caller, bool keepForGrace, CancellationToken ct = default)
    {
        foreach (var membership in _local.RemoveConnection(caller.ConnectionId))
        {
            try
            {
                if (!keepForGrace)
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

    public void Dispose()
    {
        foreach (var timer in _graceTimers.Values) timer.Cancel();
        _flood.Dispose();
    }

    /// <summary>
    /// The throttle check, the hash comparison and the failure count run as one step per client address
    /// (striped locks), so parallel guesses from one address cannot slip past the allowance.
    /// </summary>
    private async Task<GroupSecret> CheckPasswordAsync(Member caller, int groupId, string password, CancellationToken ct)
    {
        var stripe = _passwordStripes[(uint)StringComparer.Ordinal.GetHashCode(caller.Address) % (uint)_passwordStripes.Length];
        await stripe.WaitAsync(ct);
        try
        {
            if (await _store.IsThrottledAsync(caller.Address, ct))
            {
                _log.PasswordThrottled(caller.Address, caller.Door, caller.ConnectionId);
                _metrics.PasswordFailure(throttled: true);
                throw new ChatException(ChatError.Throttled,
                    "Too many wrong passwords from your address; wait a minute before trying again");
            }
            var secret = await _store.GetSecretAsync(groupId, ct) ?? throw ChatException.UnknownGroup(groupId);
            if (_hasher.Verify(password, secret.PasswordHash)) return secret;
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
        var token = _tokens.Issue(new RejoinClaim(s.GroupId, s.Epoch, s.Member.MemberId));
        return new JoinedGroup(s.GroupId, s.Member.Name, s.Members, s.History, token);
    }

    private async Task RemoveAsync(LocalMembership m, bool onlyIfDetached, string reason, CancellationToken ct)
    {
        var result = await _store.RemoveMemberAsync(m.GroupId, m.MemberId, onlyIfDetached, ct);
        if (!result.Removed) return;
        _flooding.TryRemove(m.MemberId, out _);
        _log.Left(m.Name, m.GroupId, reason);
        _metrics.MemberLeft(m.Door);
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
