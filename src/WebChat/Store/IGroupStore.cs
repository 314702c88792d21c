using WebChat.Groups;

namespace WebChat.Store;

/// <summary>
/// A member as the store keeps it. <see cref="ConnectionId"/> is null while it waits out its reconnect grace.
/// <see cref="Generation"/> counts its rejoins: only a rejoin token of the current generation opens it.
/// </summary>
public sealed record MemberRecord(string MemberId, string Name, Door Door, string? ConnectionId, string NodeId, long Generation = 1);

/// <summary>A group's credentials: the password hash and the epoch that tells this group apart from an earlier one with the same id.</summary>
public sealed record GroupSecret(int GroupId, string Epoch, string PasswordHash);

/// <summary>
/// A consistent view taken in the same step as a join or rejoin: members (in join order) and history up to
/// that event, and the owner's name.
/// </summary>
public sealed record JoinSnapshot(int GroupId, string Epoch, MemberRecord Member, string[] Members, ChatMessage[] History, string Owner);

/// <summary>
/// The result of a removal: whether it happened, whether the group is gone with it, and the new owner when the
/// member who left was the owner and ownership passed on.
/// </summary>
public sealed record RemoveResult(bool Removed, bool GroupDeleted, string? NewOwner = null);

/// <summary>A member removed by the owner, as it was just before.</summary>
public sealed record RemovedMember(MemberRecord Member, string By);

/// <summary>
/// The state several nodes must share (docs/architecture.md). Every change that others must see (message,
/// join, leave, attach, removal, password and owner change) takes the group's next sequence number, goes into
/// the history and is published to <see cref="IGroupEventPublisher"/> in one atomic step per group.
/// Refusals are <see cref="ChatException"/>s; an unreachable store is <see cref="ChatError.Unavailable"/>.
/// Limits that several nodes must agree on (an address's live groups and attempts, the deployment's groups)
/// are counted here; a node's own counts stay in the core.
/// </summary>
public interface IGroupStore
{
    /// <summary>
    /// Refuses (<see cref="ChatError.TooManyGroups"/>) when the deployment or <paramref name="address"/> has as many
    /// live groups as it may. Asked before a password is hashed; <see cref="CreateGroupAsync"/> checks again.
    /// </summary>
    Task EnsureCanCreateAsync(string address, CancellationToken ct = default);

    /// <summary>
    /// Creates a group with the smallest id no live group uses, with <paramref name="creator"/> as its first member
    /// and owner, counted against <paramref name="address"/>'s live groups until it is deleted.
    /// </summary>
    Task<JoinSnapshot> CreateGroupAsync(string passwordHash, MemberRecord creator, string address, CancellationToken ct = default);

    Task<GroupSecret?> GetSecretAsync(int groupId, CancellationToken ct = default);

    /// <summary>Adds a member to the group of that epoch; refuses a name taken in it (compared by <see cref="Rules.NameKey"/>).</summary>
    Task<JoinSnapshot> AddMemberAsync(int groupId, string epoch, MemberRecord member, CancellationToken ct = default);

    /// <summary>
    /// Moves an existing member of generation <paramref name="generation"/> to a new connection and starts its next
    /// generation; the snapshot's history holds only messages after <paramref name="lastSeenMessageId"/>.
    /// Null when the group, the member or that generation is gone.
    /// </summary>
    Task<JoinSnapshot?> AttachAsync(int groupId, string epoch, string memberId, long generation, string connectionId, string nodeId,
        long lastSeenMessageId, CancellationToken ct = default);

    /// <summary>
    /// True when the group has a member of that name and door without a connection that a user may take back by
    /// joining again with the name and the password (a TCP member kept across a restart of a node).
    /// </summary>
    Task<bool> CanReclaimAsync(int groupId, string name, Door door, CancellationToken ct = default);

    /// <summary>
    /// Gives the waiting member of that name and door (see <see cref="CanReclaimAsync"/>) to a new connection and
    /// starts its next generation, published as <see cref="GroupEventKind.Attached"/> (nobody is told); the snapshot
    /// holds the whole history. Null when there is no such member (any more).
    /// </summary>
    Task<JoinSnapshot?> ReclaimAsync(int groupId, string epoch, string name, Door door, string connectionId, string nodeId,
        CancellationToken ct = default);

    /// <summary>Marks a member as without connection (if it still has <paramref name="connectionId"/>). Returns false if it is gone or moved on.</summary>
    Task<bool> DetachAsync(int groupId, string memberId, string connectionId, CancellationToken ct = default);

    /// <summary>
    /// Removes a member (only if still detached, when <paramref name="onlyIfDetached"/>), publishes its leave, passes
    /// ownership on to the longest-standing member when the owner left, deletes an empty group.
    /// </summary>
    Task<RemoveResult> RemoveMemberAsync(int groupId, string memberId, bool onlyIfDetached, CancellationToken ct = default);

    /// <summary>
    /// Appends a message from the member, who must still be held by <paramref name="connectionId"/> (a connection
    /// that lost the member to a rejoin elsewhere cannot speak for it).
    /// </summary>
    Task<ChatMessage> AppendMessageAsync(int groupId, string memberId, string connectionId, string text, DateTime sentAt, CancellationToken ct = default);

    /// <summary>At most <paramref name="max"/> live groups, most members first, at a cost that does not grow with the number of groups.</summary>
    Task<IReadOnlyList<GroupSummary>> ListGroupsAsync(int max, CancellationToken ct = default);

    Task<string[]> GetMemberNamesAsync(int groupId, CancellationToken ct = default);

    /// <summary>The owner's display name, or null when the group does not exist.</summary>
    Task<string?> GetOwnerAsync(int groupId, CancellationToken ct = default);

    /// <summary>True while the address has used up its wrong-password allowance for the current minute.</summary>
    Task<bool> IsThrottledAsync(string address, CancellationToken ct = default);

    Task RecordPasswordFailureAsync(string address, CancellationToken ct = default);

    /// <summary>Counts one create, join or failed rejoin attempt from the address; false when it is over its allowance a minute.</summary>
    Task<bool> TryCountAttemptAsync(string address, CancellationToken ct = default);

    /// <summary>
    /// The owner (<paramref name="byMemberId"/>, held by <paramref name="byConnectionId"/>) removes the member named
    /// <paramref name="userName"/>: published as <see cref="GroupEventKind.Removed"/>. Refuses a caller who is not the owner.
    /// </summary>
    Task<RemovedMember> RemoveByOwnerAsync(int groupId, string byMemberId, string byConnectionId, string userName, CancellationToken ct = default);

    /// <summary>The owner sets a new password hash: published as <see cref="GroupEventKind.PasswordChanged"/>.</summary>
    Task ChangePasswordAsync(int groupId, string byMemberId, string byConnectionId, string passwordHash, CancellationToken ct = default);

    /// <summary>The owner hands the group to the member named <paramref name="userName"/>: published as <see cref="GroupEventKind.OwnerChanged"/>.</summary>
    Task<string> TransferOwnershipAsync(int groupId, string byMemberId, string byConnectionId, string userName, CancellationToken ct = default);
}
