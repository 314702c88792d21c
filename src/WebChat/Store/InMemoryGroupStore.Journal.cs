using System.Collections.Concurrent;
using WebChat.Groups;

namespace WebChat.Store;

/// <summary>
/// A group's state as the journal writes it: the group row, its members in join order when they changed
/// (<see cref="Members"/> is null when they did not), the messages of the history not written yet, and the
/// oldest message id the history still holds (<see cref="KeepFrom"/>: older rows go). <see cref="Full"/> asks
/// for the group's rows to be written from scratch (its first write, or after a failed one).
/// </summary>
public sealed record GroupChange(
    int GroupId, string Epoch, bool Deleted, bool Full, string PasswordHash, string OwnerId, long Seq, string CreatorAddress,
    MemberRecord[]? Members, ChatMessage[] Messages, long KeepFrom);

/// <summary>A group as the journal read it back at start: members in join order, history oldest first.</summary>
public sealed record StoredGroup(
    int GroupId, string Epoch, string PasswordHash, string OwnerId, long Seq, string CreatorAddress,
    IReadOnlyList<MemberRecord> Members, IReadOnlyList<ChatMessage> History);

/// <summary>
/// The store's side of the write-behind journal (Store/Durable): while tracking, a change to a group marks it
/// under its own lock and queues it once; the journal's writer takes the queued groups' changes every few
/// hundred milliseconds. A change costs the delivery path one flag test, and one queue entry per group per batch.
/// </summary>
public sealed partial class InMemoryGroupStore
{
    private ConcurrentQueue<GroupState>? _changed;

    /// <summary>From now on every change is queued for <see cref="TakeChanges"/>.</summary>
    public void TrackChanges() => Interlocked.CompareExchange(ref _changed, new ConcurrentQueue<GroupState>(), null);

    /// <summary>The changes of the groups changed since the last call, in the order they were first changed (at most <paramref name="max"/>).</summary>
    public List<GroupChange> TakeChanges(int max)
    {
        var changes = new List<GroupChange>();
        if (_changed is not { } queue) return changes;
        while (changes.Count < max && queue.TryDequeue(out var group))
            lock (group.Lock)
            {
                group.Changed = false;
                changes.Add(group.TakeChange());
            }
        return changes;
    }

    /// <summary>After a failed write: every live group is written whole with the next batch.</summary>
    public void RewriteAll()
    {
        foreach (var group in _groups.Values)
            lock (group.Lock)
            {
                if (group.Deleted) continue;
                group.Written = false;
                ChangedLocked(group, members: true);
            }
    }

    /// <summary>
    /// Puts groups read back at start into the empty store, with their ids, and returns their members (all without
    /// a connection). Ids not used by them are free for new groups, smallest first. Each group is queued once, so
    /// its row is written again (a changed history cap trims it, a moved sequence is kept).
    /// </summary>
    public IReadOnlyList<(int GroupId, string Epoch, MemberRecord Member)> Restore(IEnumerable<StoredGroup> stored)
    {
        var restored = new List<(int, string, MemberRecord)>();
        lock (_idLock)
        {
            if (!_groups.IsEmpty) throw new InvalidOperationException("Groups are restored into an empty store only");
            foreach (var s in stored)
            {
                if (s.Members.Count == 0) continue;
                var group = new GroupState(s.GroupId, s.Epoch, s.PasswordHash, s.CreatorAddress) { OwnerId = s.OwnerId, Seq = s.Seq };
                foreach (var m in s.Members)
                {
                    var member = m with { ConnectionId = null };
                    group.Members.Add(member);
                    restored.Add((s.GroupId, s.Epoch, member));
                }
                if (group.OwnerName() == "") group.OwnerId = group.Members[0].MemberId;
                foreach (var message in s.History) group.Keep(message, _options.HistorySize, _options.HistoryMaxBytes);
                group.Restored();
                _groups[s.GroupId] = group;
                _groupsByAddress[s.CreatorAddress] = _groupsByAddress.GetValueOrDefault(s.CreatorAddress) + 1;
                lock (_bySizeLock) _bySize.Add((group.Members.Count, group.Id));
            }
            _nextId = _groups.IsEmpty ? 1 : _groups.Keys.Max() + 1;
            for (var id = 1; id < _nextId; id++)
                if (!_groups.ContainsKey(id)) _freeIds.Add(id);
        }
        foreach (var group in _groups.Values)
            lock (group.Lock) ChangedLocked(group, members: false);
        return restored;
    }

    /// <summary>Queues the group for the journal once (its lock is held).</summary>
    private void ChangedLocked(GroupState group, bool members)
    {
        if (_changed is not { } queue) return;
        if (members) group.MembersChanged = true;
        if (group.Changed) return;
        group.Changed = true;
        queue.Enqueue(group);
    }

    private sealed partial class GroupState
    {
        public bool Changed;
        public bool MembersChanged;
        public bool Trimmed;

        /// <summary>False until the group's rows were written once (then only changes are written).</summary>
        public bool Written;

        /// <summary>The newest message already handed to the journal.</summary>
        private long _journaledMessageId;

        public void Restored()
        {
            Written = true;
            Trimmed = true;
            _journaledMessageId = History.Count > 0 ? History.Last().Id : 0;
        }

        public GroupChange TakeChange()
        {
            var full = !Written;
            var members = full || MembersChanged ? Members.ToArray() : null;
            var fresh = full ? History.ToArray() : History.Where(m => m.Id > _journaledMessageId).ToArray();
            if (fresh.Length > 0) _journaledMessageId = fresh[^1].Id;
            var keepFrom = Trimmed ? (History.Count > 0 ? History.Peek().Id : long.MaxValue) : 0;
            (Written, MembersChanged, Trimmed) = (true, false, false);
            return new GroupChange(Id, Epoch, Deleted, full, PasswordHash, OwnerId, Seq, CreatorAddress, members, fresh, keepFrom);
        }
    }
}
