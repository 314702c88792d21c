using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using WebChat.Groups;

namespace WebChat.Hubs;

/// <summary>
/// Delivers group events to this node's SignalR connections. A connection enters a group's local list
/// at its own Joined or Attached event and leaves it at its Left event, so a member gets exactly the
/// events after the snapshot its join returned. Each event is serialized once per protocol
/// (<see cref="SerializedHubMessage"/> caches it). When the dispatcher hands over a run of several
/// events (a busy node), each connection gets the consecutive events meant for it as one write: a slice
/// of one buffer per protocol that holds the whole run, shared by every connection that gets the same
/// slice. SignalR's hub protocols are self-delimiting streams, so a slice is several messages to the client.
/// A group's list is touched only by the dispatcher shard that owns the group, so it needs no lock.
/// </summary>
public sealed class HubSink(HubConnections connections, ChatMetrics metrics) : IGroupEventSink
{
    private readonly ConcurrentDictionary<int, List<HubOutbox>> _groups = new();
    private readonly ConcurrentBag<Run> _runs = new();

    public void Deliver(ReadOnlySpan<GroupEvent> events)
    {
        if (!_runs.TryTake(out var run)) run = new Run();
        try
        {
            foreach (var e in events) Deliver(e, run);
            run.Write();
        }
        finally
        {
            run.Clear();
            _runs.Add(run);
        }
    }

    private void Deliver(GroupEvent e, Run run)
    {
        var members = _groups.GetOrAdd(e.GroupId, _ => []);
        var own = e.Door == Door.Hub && e.ConnectionId is not null ? connections.Find(e.ConnectionId) : null;
        switch (e.Kind)
        {
            case GroupEventKind.Message:
                Broadcast(run, members, own, nameof(IChatClient.MessageReceived), e.Message!);
                break;
            case GroupEventKind.Joined:
                Broadcast(run, members, own, nameof(IChatClient.MemberJoined), e.GroupId, e.UserName);
                if (own is not null && !members.Contains(own)) members.Add(own);
                break;
            case GroupEventKind.Attached:
                // The connection that held the member before (a stolen or stale page) stops receiving the group.
                if (e.PreviousConnectionId is not null && e.PreviousConnectionId != e.ConnectionId
                    && connections.Find(e.PreviousConnectionId) is { } previous)
                    members.Remove(previous);
                if (own is not null && !members.Contains(own)) members.Add(own);
                break;
            case GroupEventKind.Left:
                if (own is not null) members.Remove(own);
                Broadcast(run, members, own, nameof(IChatClient.MemberLeft), e.GroupId, e.UserName);
                break;
            case GroupEventKind.Removed:
                if (own is not null && members.Remove(own))
                {
                    run.To(own, run.Add(Serialized(nameof(IChatClient.RemovedFromGroup), e.GroupId, e.By)));
                    metrics.Delivered(Door.Hub);
                }
                Broadcast(run, members, own, nameof(IChatClient.MemberRemoved), e.GroupId, e.UserName, e.By);
                break;
            case GroupEventKind.PasswordChanged:
                Broadcast(run, members, own, nameof(IChatClient.PasswordChanged), e.GroupId, e.UserName);
                break;
            case GroupEventKind.OwnerChanged:
                Broadcast(run, members, except: null, nameof(IChatClient.OwnerChanged), e.GroupId, e.UserName);
                break;
        }
        if (members.Count == 0) _groups.TryRemove(new(e.GroupId, members));
    }

    private static SerializedHubMessage Serialized(string method, params object?[] args) => new(new InvocationMessage(method, args));

    private void Broadcast(Run run, List<HubOutbox> members, HubOutbox? except, string method, params object?[] args)
    {
        members.RemoveAll(m => m.IsClosed);
        if (members.Count == 0 || (members.Count == 1 && members[0] == except)) return;
        var slot = run.Add(Serialized(method, args));
        var sent = 0;
        foreach (var member in members)
        {
            if (member == except) continue;
            run.To(member, slot);
            sent++;
        }
        metrics.Delivered(Door.Hub, sent);
    }

    /// <summary>
    /// One dispatcher run: its messages in order (slots) and, per connection, the ranges of slots it gets.
    /// Pooled; used by one dispatcher shard at a time.
    /// </summary>
    private sealed class Run
    {
        private readonly List<SerializedHubMessage> _slots = [];
        private readonly Dictionary<HubOutbox, Ranges> _pending = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<string, (byte[] Bytes, int[] Offsets)> _buffers = [];
        private readonly Dictionary<(string Protocol, int Start, int End), SerializedHubMessage> _slices = [];

        public int Add(SerializedHubMessage message)
        {
            _slots.Add(message);
            return _slots.Count - 1;
        }

        public void To(HubOutbox outbox, int slot)
        {
            ref var ranges = ref CollectionsMarshal.GetValueRefOrAddDefault(_pending, outbox, out var exists);
            if (!exists) ranges = new Ranges(slot);
            else if (ranges.End == slot) ranges.End++;
            else
            {
                (ranges.Earlier ??= []).Add((ranges.Start, ranges.End));
                ranges = ranges with { Start = slot, End = slot + 1 };
            }
        }

        public void Write()
        {
            foreach (var (outbox, ranges) in _pending)
            {
                if (ranges.Earlier is not null)
                    foreach (var (start, end) in ranges.Earlier) outbox.Send(Slice(outbox, start, end));
                outbox.Send(Slice(outbox, ranges.Start, ranges.End));
            }
        }

        private SerializedHubMessage Slice(HubOutbox outbox, int start, int end)
        {
            if (end - start == 1) return _slots[start];
            var protocol = outbox.Connection.Protocol;
            ref var slice = ref CollectionsMarshal.GetValueRefOrAddDefault(_slices, (protocol.Name, start, end), out var exists);
            if (!exists)
            {
                var (bytes, offsets) = Buffer(protocol);
                var memory = bytes.AsMemory(offsets[start], offsets[end] - offsets[start]);
                slice = new SerializedHubMessage([new SerializedMessage(protocol.Name, memory)]);
            }
            return slice!;
        }

        /// <summary>The whole run serialized for one protocol, with where each slot starts. Not pooled: writes to slow connections may still hold it.</summary>
        private (byte[] Bytes, int[] Offsets) Buffer(IHubProtocol protocol)
        {
            ref var buffer = ref CollectionsMarshal.GetValueRefOrAddDefault(_buffers, protocol.Name, out var exists);
            if (exists) return buffer;
            var offsets = new int[_slots.Count + 1];
            var total = 0;
            for (var i = 0; i < _slots.Count; i++)
            {
                offsets[i] = total;
                total += _slots[i].GetSerializedMessage(protocol).Length;
            }
            offsets[_slots.Count] = total;
            var bytes = GC.AllocateUninitializedArray<byte>(total);
            for (var i = 0; i < _slots.Count; i++)
                _slots[i].GetSerializedMessage(protocol).Span.CopyTo(bytes.AsSpan(offsets[i]));
            buffer = (bytes, offsets);
            return buffer;
        }

        public void Clear()
        {
            _slots.Clear();
            _pending.Clear();
            _buffers.Clear();
            _slices.Clear();
        }

        private record struct Ranges(int Start, int End, List<(int Start, int End)>? Earlier)
        {
            public Ranges(int slot) : this(slot, slot + 1, null) { }
        }
    }
}
