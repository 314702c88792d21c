using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using WebChat.Groups;

namespace WebChat.Store;

/// <summary>
/// The default store: one process, no dependency. Each group has its own lock, under which an event
/// takes its sequence number, enters the history and is handed to the publisher, so the dispatcher
/// sees every group's events in order. Only id allocation (create and delete) shares one small lock.
/// </summary>
public sealed class InMemoryGroupStore : IGroupStore, IDisposable
{
    private readonly ConcurrentDictionary<int, GroupState> _groups = new();
    private readonly Lock _idLock = new();
    private readonly SortedSet<int> _freeIds = [];
    private int _nextId = 1;
    private readonly IGroupEventPublisher _publisher;
    private readonly int _historySize;
    private readonly PartitionedRateLimiter<string> _passwordFailures;

    public InMemoryGroupStore(IGroupEventPublisher publisher, IOptions<ChatOptions> options)
    {
        _publisher = publisher;
        _historySize = Math.Max(0, options.Value.HistorySize);
        var perMinute = Math.Max(1, options.Value.Limits.PasswordFailuresPerMinute);
        _passwordFailures = PartitionedRateLimiter.Create<string, string>(address =>
            RateLimitPartition.GetSlidingWindowLimiter(address, _ => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = perMinute,
                Window = TimeSpan.FromMinutes(1),
                SegmentsPerWindow = 6,
                QueueLimit = 0,
            }));
    }

    public Task<JoinSnapshot> CreateGroupAsync(string passwordHash, MemberRecord creator, CancellationToken ct = default)
    {
        GroupState group;
        lock (_idLock)
        {
            int id;
            if (_freeIds.Count > 0)
            {
                id = _freeIds.Min;
                _freeIds.Remove(id);
            }
            else id = _nextId++;
            group = new GroupState(id, Guid.NewGuid().ToString("N"), passwordHash, _historySize);
            _groups[id] = group;
        }
        lock (group.Lock)
            return Task.FromResult(AddLocked(group, creator));
    }

    public Task<GroupSecret?> GetSecretAsync(int groupId, CancellationToken ct = default) =>
        Task.FromResult(_groups.TryGetValue(groupId, out var g) && !g.Deleted ? new GroupSecret(g.Id, g.Epoch, g.PasswordHash) : null);

    public Task<JoinSnapshot> AddMemberAsync(int groupId, string epoch, MemberRecord member, CancellationToken ct = default)
    {
        var group = Find(groupId, epoch) ?? throw ChatException.UnknownGroup(groupId);
        lock (group.Lock)
        {
            if (group.Deleted) throw ChatException.UnknownGroup(groupId);
            if (group.Members.Any(m => Rules.NameKey(m.Name) == Rules.NameKey(member.Name)))
                throw ChatException.NameTaken(member.Name, groupId);
            return Task.FromResult(AddLocked(group, member));
        }
    }

    public Task<JoinSnapshot?> AttachAsync(int groupId, string epoch, string memberId, string connectionId, string nodeId,
        long lastSeenMessageId, CancellationToken ct = default)
    {
        var group = Find(groupId, epoch);
        if (group is null) return Task.FromResult<JoinSnapshot?>(null);
        lock (group.Lock)
        {
            var index = group.Members.FindIndex(m => m.MemberId == memberId);
            if (group.Deleted || index < 0) return Task.FromResult<JoinSnapshot?>(null);
            var member = group.Members[index] with { ConnectionId = connectionId, NodeId = nodeId };
            group.Members[index] = member;
            var e = new GroupEvent(groupId, ++group.Seq, GroupEventKind.Attached, member.Name, member.Door, connectionId);
            _publisher.Publish(e);
            var history = group.History.Where(m => m.Id > lastSeenMessageId).ToArray();
            return Task.FromResult<JoinSnapshot?>(new JoinSnapshot(groupId, group.Epoch, member, group.Names(), history));
        }
    }

    public Task<bool> DetachAsync(int groupId, string memberId, string connectionId, CancellationToken ct = default)
    {
        if (!_groups.TryGetValue(groupId, out var group)) return Task.FromResult(false);
        lock (group.Lock)
        {
            var index = group.Members.FindIndex(m => m.MemberId == memberId);
            if (index < 0 || group.Members[index].ConnectionId != connectionId) return Task.FromResult(false);
            group.Members[index] = group.Members[index] with { ConnectionId = null };
            return Task.FromResult(true);
        }
    }

    public Task<RemoveResult> RemoveMemberAsync(int groupId, string memberId, bool onlyIfDetached, CancellationToken ct = default)
    {
        if (!_groups.TryGetValue(groupId, out var group)) return Task.FromResult(new RemoveResult(false, false));
        lock (group.Lock)
        {
            var index = group.Members.FindIndex(m => m.MemberId == memberId);
            if (group.Deleted || index < 0) return Task.FromResult(new RemoveResult(false, false));
            var member = group.Members[index];
            if (onlyIfDetached && member.ConnectionId is not null) return Task.FromResult(new RemoveResult(false, false));
            group.Members.RemoveAt(index);
            _publisher.Publish(new GroupEvent(groupId, ++group.Seq, GroupEventKind.Left, member.Name, member.Door, member.ConnectionId));
            if (group.Members.Count > 0) return Task.FromResult(new RemoveResult(true, false));
            group.Deleted = true;
        }
        lock (_idLock)
        {
            _groups.TryRemove(new KeyValuePair<int, GroupState>(groupId, group));
            _freeIds.Add(groupId);
            while (_freeIds.Count > 0 && _freeIds.Max == _nextId - 1)
            {
                _freeIds.Remove(_nextId - 1);
                _nextId--;
            }
        }
        return Task.FromResult(new RemoveResult(true, true));
    }

    public Task<ChatMessage> AppendMessageAsync(int groupId, string memberId, string text, DateTime sentAt, CancellationToken ct = default)
    {
        if (!_groups.TryGetValue(groupId, out var group)) throw ChatException.NotMember(groupId);
        lock (group.Lock)
        {
            var member = group.Members.Find(m => m.MemberId == memberId);
            if (group.Deleted || member is null) throw ChatException.NotMember(groupId);
            var message = new ChatMessage(++group.Seq, groupId, member.Name, text, sentAt);
            if (_historySize > 0)
            {
                if (group.History.Count == _historySize) group.History.Dequeue();
                group.History.Enqueue(message);
            }
            _publisher.Publish(new GroupEvent(groupId, message.Id, GroupEventKind.Message, member.Name, member.Door, member.ConnectionId, message));
            return Task.FromResult(message);
        }
    }

    public Task<IReadOnlyList<GroupSummary>> ListGroupsAsync(CancellationToken ct = default)
    {
        var list = new List<GroupSummary>();
        foreach (var group in _groups.Values)
            lock (group.Lock)
                if (!group.Deleted) list.Add(new GroupSummary(group.Id, group.Members.Count));
        list.Sort((a, b) => a.GroupId.CompareTo(b.GroupId));
        return Task.FromResult<IReadOnlyList<GroupSummary>>(list);
    }

    public Task<string[]> GetMemberNamesAsync(int groupId, CancellationToken ct = default)
    {
        if (!_groups.TryGetValue(groupId, out var group)) return Task.FromResult(Array.Empty<string>());
        lock (group.Lock) return Task.FromResult(group.Deleted ? [] : group.Names());
    }

    public Task<bool> IsThrottledAsync(string address, CancellationToken ct = default) =>
        Task.FromResult(_passwordFailures.GetStatistics(address)?.CurrentAvailablePermits <= 0);

    public Task RecordPasswordFailureAsync(string address, CancellationToken ct = default)
    {
        using var _ = _passwordFailures.AttemptAcquire(address);
        return Task.CompletedTask;
    }

    public void Dispose() => _passwordFailures.Dispose();

    private GroupState? Find(int groupId, string epoch) =>
        _groups.TryGetValue(groupId, out var g) && g.Epoch == epoch ? g : null;

    private JoinSnapshot AddLocked(GroupState group, MemberRecord member)
    {
        group.Members.Add(member);
        _publisher.Publish(new GroupEvent(group.Id, ++group.Seq, GroupEventKind.Joined, member.Name, member.Door, member.ConnectionId));
        return new JoinSnapshot(group.Id, group.Epoch, member, group.Names(), group.History.ToArray());
    }

    private sealed class GroupState(int id, string epoch, string passwordHash, int historySize)
    {
        public readonly Lock Lock = new();
        public int Id { get; } = id;
        public string Epoch { get; } = epoch;
        public string PasswordHash { get; } = passwordHash;
        public long Seq;
        public bool Deleted;
        public readonly List<MemberRecord> Members = [];
        public readonly Queue<ChatMessage> History = new(Math.Min(historySize, 128));

        public string[] Names() => Members.Select(m => m.Name).ToArray();
    }
}
