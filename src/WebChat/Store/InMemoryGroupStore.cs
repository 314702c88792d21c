using System.Collections.Concurrent;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using WebChat.Groups;

namespace WebChat.Store;

/// <summary>
/// The default store: one process, no dependency. Each group has its own lock, under which an event
/// takes its sequence number, enters the history and is handed to the publisher, so the dispatcher
/// sees every group's events in order. Only id allocation (create and delete) shares one small lock,
/// and the list of the largest groups one more (touched on joins and leaves, never on messages).
/// </summary>
public sealed partial class InMemoryGroupStore : IGroupStore, IDisposable
{
    private readonly ConcurrentDictionary<int, GroupState> _groups = new();
    private readonly Lock _idLock = new();
    private readonly SortedSet<int> _freeIds = [];
    private readonly Dictionary<string, int> _groupsByAddress = new(StringComparer.Ordinal);
    private int _nextId = 1;
    private readonly Lock _bySizeLock = new();
    private readonly SortedSet<(int Members, int GroupId)> _bySize = new(LargestFirst.Instance);
    private readonly IGroupEventPublisher _publisher;
    private readonly ChatOptions _options;
    private readonly PartitionedRateLimiter<string> _passwordFailures;
    private readonly PartitionedRateLimiter<string> _attempts;

    public InMemoryGroupStore(IGroupEventPublisher publisher, IOptions<ChatOptions> options)
    {
        _publisher = publisher;
        _options = options.Value;
        _passwordFailures = PerAddressPerMinute(_options.Limits.PasswordFailuresPerMinute);
        _attempts = PerAddressPerMinute(_options.Limits.JoinsPerMinute);
    }

    private static PartitionedRateLimiter<string> PerAddressPerMinute(int permits) =>
        PartitionedRateLimiter.Create<string, string>(address =>
            RateLimitPartition.GetSlidingWindowLimiter(address, _ => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = permits,
                Window = TimeSpan.FromMinutes(1),
                SegmentsPerWindow = 6,
                QueueLimit = 0,
            }));

    public Task EnsureCanCreateAsync(string address, CancellationToken ct = default)
    {
        lock (_idLock) CheckCanCreateLocked(address);
        return Task.CompletedTask;
    }

    public Task<JoinSnapshot> CreateGroupAsync(string passwordHash, MemberRecord creator, string address, CancellationToken ct = default)
    {
        GroupState group;
        lock (_idLock)
        {
            CheckCanCreateLocked(address);
            int id;
            if (_freeIds.Count > 0)
            {
                id = _freeIds.Min;
                _freeIds.Remove(id);
            }
            else id = _nextId++;
            group = new GroupState(id, Guid.NewGuid().ToString("N"), passwordHash, address);
            _groups[id] = group;
            _groupsByAddress[address] = _groupsByAddress.GetValueOrDefault(address) + 1;
        }
        lock (group.Lock)
        {
            group.OwnerId = creator.MemberId;
            return Task.FromResult(AddLocked(group, creator));
        }
    }

    public Task<GroupSecret?> GetSecretAsync(int groupId, CancellationToken ct = default)
    {
        if (!_groups.TryGetValue(groupId, out var g)) return Task.FromResult<GroupSecret?>(null);
        lock (g.Lock) return Task.FromResult(g.Deleted ? null : new GroupSecret(g.Id, g.Epoch, g.PasswordHash));
    }

    public Task<JoinSnapshot> AddMemberAsync(int groupId, string epoch, MemberRecord member, CancellationToken ct = default)
    {
        var group = Find(groupId, epoch) ?? throw ChatException.UnknownGroup(groupId);
        lock (group.Lock)
        {
            if (group.Deleted) throw ChatException.UnknownGroup(groupId);
            if (group.IndexOfName(member.Name) >= 0) throw ChatException.NameTaken(member.Name, groupId);
            return Task.FromResult(AddLocked(group, member));
        }
    }

    public Task<JoinSnapshot?> AttachAsync(int groupId, string epoch, string memberId, long generation, string connectionId, string nodeId,
        long lastSeenMessageId, CancellationToken ct = default)
    {
        var group = Find(groupId, epoch);
        if (group is null) return Task.FromResult<JoinSnapshot?>(null);
        lock (group.Lock)
        {
            var index = group.IndexOf(memberId);
            if (group.Deleted || index < 0 || group.Members[index].Generation != generation) return Task.FromResult<JoinSnapshot?>(null);
            var before = group.Members[index];
            var member = before with { ConnectionId = connectionId, NodeId = nodeId, Generation = generation + 1 };
            group.Members[index] = member;
            Emit(group, GroupEventKind.Attached, member, previousConnectionId: before.ConnectionId);
            var history = group.History.Where(m => m.Id > lastSeenMessageId).ToArray();
            return Task.FromResult<JoinSnapshot?>(new JoinSnapshot(groupId, group.Epoch, member, group.Names(), history, group.OwnerName()));
        }
    }

    public Task<bool> DetachAsync(int groupId, string memberId, string connectionId, CancellationToken ct = default)
    {
        if (!_groups.TryGetValue(groupId, out var group)) return Task.FromResult(false);
        lock (group.Lock)
        {
            var index = group.IndexOf(memberId);
            if (index < 0 || group.Members[index].ConnectionId != connectionId) return Task.FromResult(false);
            group.Members[index] = group.Members[index] with { ConnectionId = null };
            return Task.FromResult(true);
        }
    }

    public Task<bool> CanReclaimAsync(int groupId, string name, Door door, CancellationToken ct = default)
    {
        if (!_groups.TryGetValue(groupId, out var group)) return Task.FromResult(false);
        lock (group.Lock) return Task.FromResult(!group.Deleted && group.ReclaimableIndex(name, door) >= 0);
    }

    public Task<JoinSnapshot?> ReclaimAsync(int groupId, string epoch, string name, Door door, string connectionId, string nodeId,
        CancellationToken ct = default)
    {
        var group = Find(groupId, epoch);
        if (group is null) return Task.FromResult<JoinSnapshot?>(null);
        lock (group.Lock)
        {
            var index = group.Deleted ? -1 : group.ReclaimableIndex(name, door);
            if (index < 0) return Task.FromResult<JoinSnapshot?>(null);
            var member = group.Members[index] with { ConnectionId = connectionId, NodeId = nodeId, Generation = group.Members[index].Generation + 1 };
            group.Members[index] = member;
            Emit(group, GroupEventKind.Attached, member);
            return Task.FromResult<JoinSnapshot?>(new JoinSnapshot(groupId, group.Epoch, member, group.Names(), group.History.ToArray(), group.OwnerName()));
        }
    }

    public Task<RemoveResult> RemoveMemberAsync(int groupId, string memberId, bool onlyIfDetached, CancellationToken ct = default)
    {
        if (!_groups.TryGetValue(groupId, out var group)) return Task.FromResult(new RemoveResult(false, false));
        string? newOwner;
        lock (group.Lock)
        {
            var index = group.IndexOf(memberId);
            if (group.Deleted || index < 0) return Task.FromResult(new RemoveResult(false, false));
            var member = group.Members[index];
            if (onlyIfDetached && member.ConnectionId is not null) return Task.FromResult(new RemoveResult(false, false));
            Emit(group, GroupEventKind.Left, member);
            newOwner = RemoveLocked(group, index);
            if (group.Members.Count > 0) return Task.FromResult(new RemoveResult(true, false, newOwner));
            group.Deleted = true;
        }
        Delete(group);
        return Task.FromResult(new RemoveResult(true, true));
    }

    public Task<ChatMessage> AppendMessageAsync(int groupId, string memberId, string connectionId, string text, DateTime sentAt,
        CancellationToken ct = default)
    {
        if (!_groups.TryGetValue(groupId, out var group)) throw ChatException.NotMember(groupId);
        lock (group.Lock)
        {
            var index = group.IndexOf(memberId);
            if (group.Deleted || index < 0 || group.Members[index].ConnectionId != connectionId) throw ChatException.NotMember(groupId);
            var member = group.Members[index];
            var message = new ChatMessage(++group.Seq, groupId, member.Name, text, sentAt);
            group.Keep(message, _options.HistorySize, _options.HistoryMaxBytes);
            ChangedLocked(group, members: false);
            _publisher.Publish(new GroupEvent(groupId, message.Id, GroupEventKind.Message, member.Name, member.Door, member.ConnectionId, message));
            return Task.FromResult(message);
        }
    }

    public Task<IReadOnlyList<GroupSummary>> ListGroupsAsync(int max, CancellationToken ct = default)
    {
        var list = new List<GroupSummary>(Math.Min(max, 128));
        lock (_bySizeLock)
            foreach (var (members, groupId) in _bySize)
            {
                if (list.Count >= max) break;
                list.Add(new GroupSummary(groupId, members));
            }
        return Task.FromResult<IReadOnlyList<GroupSummary>>(list);
    }

    public Task<string[]> GetMemberNamesAsync(int groupId, CancellationToken ct = default)
    {
        if (!_groups.TryGetValue(groupId, out var group)) return Task.FromResult(Array.Empty<string>());
        lock (group.Lock) return Task.FromResult(group.Deleted ? [] : group.Names());
    }

    public Task<string?> GetOwnerAsync(int groupId, CancellationToken ct = default)
    {
        if (!_groups.TryGetValue(groupId, out var group)) return Task.FromResult<string?>(null);
        lock (group.Lock) return Task.FromResult(group.Deleted ? null : group.OwnerName());
    }

    public Task<bool> IsThrottledAsync(string address, CancellationToken ct = default) =>
        Task.FromResult(_passwordFailures.GetStatistics(address)?.CurrentAvailablePermits <= 0);

    public Task RecordPasswordFailureAsync(string address, CancellationToken ct = default)
    {
        using var _ = _passwordFailures.AttemptAcquire(address);
        return Task.CompletedTask;
    }

    public Task<bool> TryCountAttemptAsync(string address, CancellationToken ct = default)
    {
        using var lease = _attempts.AttemptAcquire(address);
        return Task.FromResult(lease.IsAcquired);
    }

    public Task<RemovedMember> RemoveByOwnerAsync(int groupId, string byMemberId, string byConnectionId, string userName, CancellationToken ct = default)
    {
        var group = Existing(groupId);
        lock (group.Lock)
        {
            var owner = CheckOwnerLocked(group, byMemberId, byConnectionId);
            var index = group.IndexOfName(userName);
            if (index < 0) throw ChatException.UnknownMember(userName, groupId);
            var member = group.Members[index];
            if (member.MemberId == byMemberId)
                throw new ChatException(ChatError.InvalidTarget, "You cannot remove yourself; leave the group instead");
            Emit(group, GroupEventKind.Removed, member, by: owner.Name);
            RemoveLocked(group, index);
            return Task.FromResult(new RemovedMember(member, owner.Name));
        }
    }

    public Task ChangePasswordAsync(int groupId, string byMemberId, string byConnectionId, string passwordHash, CancellationToken ct = default)
    {
        var group = Existing(groupId);
        lock (group.Lock)
        {
            var owner = CheckOwnerLocked(group, byMemberId, byConnectionId);
            group.PasswordHash = passwordHash;
            Emit(group, GroupEventKind.PasswordChanged, owner);
            return Task.CompletedTask;
        }
    }

    public Task<string> TransferOwnershipAsync(int groupId, string byMemberId, string byConnectionId, string userName, CancellationToken ct = default)
    {
        var group = Existing(groupId);
        lock (group.Lock)
        {
            CheckOwnerLocked(group, byMemberId, byConnectionId);
            var index = group.IndexOfName(userName);
            if (index < 0) throw ChatException.UnknownMember(userName, groupId);
            var member = group.Members[index];
            if (member.MemberId == byMemberId)
                throw new ChatException(ChatError.InvalidTarget, $"You are already the owner of group {groupId}");
            group.OwnerId = member.MemberId;
            Emit(group, GroupEventKind.OwnerChanged, member);
            return Task.FromResult(member.Name);
        }
    }

    /// <summary>Every member held by a connection of <paramref name="nodeId"/>, for the sweep of members whose connection is gone.</summary>
    public IReadOnlyList<(int GroupId, MemberRecord Member)> ConnectedMembers(string nodeId)
    {
        var result = new List<(int, MemberRecord)>();
        foreach (var group in _groups.Values)
            lock (group.Lock)
                if (!group.Deleted)
                    foreach (var m in group.Members)
                        if (m.ConnectionId is not null && m.NodeId == nodeId) result.Add((group.Id, m));
        return result;
    }

    public void Dispose()
    {
        _passwordFailures.Dispose();
        _attempts.Dispose();
    }

    private void CheckCanCreateLocked(string address)
    {
        if (_groups.Count >= _options.Limits.MaxGroups)
            throw new ChatException(ChatError.TooManyGroups, "The server has as many groups as it can hold; try again later or join an existing group");
        if (_groupsByAddress.GetValueOrDefault(address) >= _options.Limits.GroupsPerAddress)
            throw new ChatException(ChatError.TooManyGroups,
                $"Your address already has {_options.Limits.GroupsPerAddress} live groups; leave one before creating another");
    }

    private GroupState Existing(int groupId) =>
        _groups.TryGetValue(groupId, out var group) ? group : throw ChatException.NotMember(groupId);

    private static MemberRecord CheckOwnerLocked(GroupState group, string byMemberId, string byConnectionId)
    {
        var index = group.IndexOf(byMemberId);
        if (group.Deleted || index < 0 || group.Members[index].ConnectionId != byConnectionId) throw ChatException.NotMember(group.Id);
        if (group.OwnerId != byMemberId) throw ChatException.NotOwner();
        return group.Members[index];
    }

    private GroupState? Find(int groupId, string epoch) =>
        _groups.TryGetValue(groupId, out var g) && g.Epoch == epoch ? g : null;

    private JoinSnapshot AddLocked(GroupState group, MemberRecord member)
    {
        group.Members.Add(member);
        Resized(group, group.Members.Count - 1);
        Emit(group, GroupEventKind.Joined, member);
        return new JoinSnapshot(group.Id, group.Epoch, member, group.Names(), group.History.ToArray(), group.OwnerName());
    }

    /// <summary>Takes the member out after its event; when it was the owner, the longest-standing member takes over (announced).</summary>
    private string? RemoveLocked(GroupState group, int index)
    {
        var member = group.Members[index];
        group.Members.RemoveAt(index);
        Resized(group, group.Members.Count + 1);
        if (group.OwnerId != member.MemberId || group.Members.Count == 0) return null;
        var heir = group.Members[0];
        group.OwnerId = heir.MemberId;
        Emit(group, GroupEventKind.OwnerChanged, heir);
        return heir.Name;
    }

    private void Emit(GroupState group, GroupEventKind kind, MemberRecord member, string? by = null, string? previousConnectionId = null)
    {
        ChangedLocked(group, members: kind is not (GroupEventKind.PasswordChanged or GroupEventKind.OwnerChanged));
        _publisher.Publish(new GroupEvent(group.Id, ++group.Seq, kind, member.Name, member.Door, member.ConnectionId, null, by, previousConnectionId));
    }

    /// <summary>Keeps the index of the largest groups up to date (a group's lock is held; this lock is taken inside it, never the other way).</summary>
    private void Resized(GroupState group, int before)
    {
        lock (_bySizeLock)
        {
            if (before > 0) _bySize.Remove((before, group.Id));
            if (group.Members.Count > 0) _bySize.Add((group.Members.Count, group.Id));
        }
    }

    private void Delete(GroupState group)
    {
        lock (_idLock)
        {
            _groups.TryRemove(new KeyValuePair<int, GroupState>(group.Id, group));
            if (_groupsByAddress.TryGetValue(group.CreatorAddress, out var count))
            {
                if (count <= 1) _groupsByAddress.Remove(group.CreatorAddress);
                else _groupsByAddress[group.CreatorAddress] = count - 1;
            }
            _freeIds.Add(group.Id);
            while (_freeIds.Count > 0 && _freeIds.Max == _nextId - 1)
            {
                _freeIds.Remove(_nextId - 1);
                _nextId--;
            }
        }
    }

    /// <summary>Most members first; equal sizes by id.</summary>
    private sealed class LargestFirst : IComparer<(int Members, int GroupId)>
    {
        public static readonly LargestFirst Instance = new();

        public int Compare((int Members, int GroupId) x, (int Members, int GroupId) y) =>
            x.Members != y.Members ? y.Members.CompareTo(x.Members) : x.GroupId.CompareTo(y.GroupId);
    }

    private sealed partial class GroupState(int id, string epoch, string passwordHash, string creatorAddress)
    {
        public readonly Lock Lock = new();
        public int Id { get; } = id;
        public string Epoch { get; } = epoch;
        public string CreatorAddress { get; } = creatorAddress;
        public string PasswordHash = passwordHash;
        public string OwnerId = "";
        public long Seq;
        public bool Deleted;
        public readonly List<MemberRecord> Members = [];
        public readonly Queue<ChatMessage> History = new();
        private long _historyBytes;

        public string[] Names() => Members.Select(m => m.Name).ToArray();

        public string OwnerName() => Members.Find(m => m.MemberId == OwnerId)?.Name ?? "";

        public int IndexOf(string memberId) => Members.FindIndex(m => m.MemberId == memberId);

        public int IndexOfName(string name)
        {
            var key = Rules.NameKey(name);
            return Members.FindIndex(m => Rules.NameKey(m.Name) == key);
        }

        /// <summary>The member of that name when it waits, without connection, for a user of <paramref name="door"/> to take it back; else -1.</summary>
        public int ReclaimableIndex(string name, Door door)
        {
            var index = IndexOfName(name);
            return index >= 0 && Members[index].ConnectionId is null && Members[index].Door == door ? index : -1;
        }

        /// <summary>Keeps the message in the history, dropping the oldest past either cap.</summary>
        public void Keep(ChatMessage message, int maxCount, int maxBytes)
        {
            if (maxCount <= 0 || maxBytes <= 0) return;
            History.Enqueue(message);
            _historyBytes += Encoding.UTF8.GetByteCount(message.Text);
            while (History.Count > maxCount || (_historyBytes > maxBytes && History.Count > 0))
            {
                _historyBytes -= Encoding.UTF8.GetByteCount(History.Dequeue().Text);
                Trimmed = true;
            }
        }
    }
}
