using WebChat.Groups;

namespace WebChat.Store;

/// <summary>A member as the store keeps it. <see cref="ConnectionId"/> is null while it waits out its reconnect grace.</summary>
public sealed record MemberRecord(string MemberId, string Name, Door Door, string? ConnectionId, string NodeId);

/// <summary>A group's credentials: the password hash and the epoch that tells this group apart from an earlier one with the same id.</summary>
public sealed record GroupSecret(int GroupId, string Epoch, string PasswordHash);

/// <summary>A consistent view taken in the same step as a join or rejoin: members and history up to that event.</summary>
public sealed record JoinSnapshot(int GroupId, string Epoch, MemberRecord Member, string[] Members, ChatMessage[] History);

public sealed record RemoveResult(bool Removed, bool GroupDeleted);

/// <summary>
/// The state several nodes must share (DESIGN.md section 2). Every change that others must see
/// (message, join, leave, attach) takes the group's next sequence number, goes into the history
/// and is published to <see cref="IGroupEventPublisher"/> in one atomic step per group.
/// Refusals are <see cref="ChatException"/>s; an unreachable store is <see cref="ChatError.Unavailable"/>.
/// </summary>
public interface IGroupStore
{
    /// <summary>Creates a group with the smallest id no live group uses, with <paramref name="creator"/> as its first member.</summary>
    Task<JoinSnapshot> CreateGroupAsync(string passwordHash, MemberRecord creator, CancellationToken ct = default);

    Task<GroupSecret?> GetSecretAsync(int groupId, CancellationToken ct = default);

    /// <summary>Adds a member to the group of that epoch; refuses a name taken in it (ignoring case).</summary>
    Task<JoinSnapshot> AddMemberAsync(int groupId, string epoch, MemberRecord member, CancellationToken ct = default);

    /// <summary>Moves an existing member to a new connection; the snapshot's history holds only messages after <paramref name="lastSeenMessageId"/>.</summary>
    Task<JoinSnapshot?> AttachAsync(int groupId, string epoch, string memberId, string connectionId, string nodeId, long lastSeenMessageId, CancellationToken ct = default);

    /// <summary>Marks a member as without connection (if it still has <paramref name="connectionId"/>). Returns false if it is gone or moved on.</summary>
    Task<bool> DetachAsync(int groupId, string memberId, string connectionId, CancellationToken ct = default);

    /// <summary>Removes a member (only if still detached, when <paramref name="onlyIfDetached"/>), publishes its leave, deletes an empty group.</summary>
    Task<RemoveResult> RemoveMemberAsync(int groupId, string memberId, bool onlyIfDetached, CancellationToken ct = default);

    Task<ChatMessage> AppendMessageAsync(int groupId, string memberId, string text, DateTime sentAt, CancellationToken ct = default);

    Task<IReadOnlyList<GroupSummary>> ListGroupsAsync(CancellationToken ct = default);

    Task<string[]> GetMemberNamesAsync(int groupId, CancellationToken ct = default);

    /// <summary>True while the address has used up its wrong-password allowance for the current minute.</summary>
    Task<bool> IsThrottledAsync(string address, CancellationToken ct = default);

    Task RecordPasswordFailureAsync(string address, CancellationToken ct = default);
}

/// <summary>Receives each group's events in sequence order (the per-node dispatcher).</summary>
public interface IGroupEventPublisher
{
    void Publish(GroupEvent e);
}
