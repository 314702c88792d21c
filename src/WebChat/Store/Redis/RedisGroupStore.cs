using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WebChat.Groups;

namespace WebChat.Store.Redis;

/// <summary>
/// The shared store for several nodes (docs/scale-out.md). Each change is one Lua script that takes
/// the group's next sequence number, updates members and history and PUBLISHes the event to the inbox
/// of every node with members of the group; <see cref="RedisInbox"/> hands them to this node's dispatcher.
/// </summary>
public sealed class RedisGroupStore(RedisNode node, IOptions<ChatOptions> options) : IGroupStore
{
    private readonly ChatOptions _options = options.Value;

    /// <summary>Secrets of groups this node has seen, to re-register its members if Redis loses its data.</summary>
    internal ConcurrentDictionary<int, GroupSecret> KnownSecrets { get; } = new();

    public async Task EnsureCanCreateAsync(string address, CancellationToken ct = default)
    {
        var refused = (int)await node.RunAsync(RedisScripts.CanCreate, address, _options.Limits.MaxGroups, _options.Limits.GroupsPerAddress);
        if (refused > 0) throw TooManyGroups(refused);
    }

    public async Task<JoinSnapshot> CreateGroupAsync(string passwordHash, MemberRecord creator, string address, CancellationToken ct = default)
    {
        node.EnsureReady();
        var epoch = Guid.NewGuid().ToString("N");
        var r = (RedisResult[])(await node.RunAsync(RedisScripts.Create, epoch, passwordHash, WireMember.Encode(creator), address,
            _options.Limits.MaxGroups, _options.Limits.GroupsPerAddress))!;
        var groupId = (int)r[0];
        if (groupId < 0) throw TooManyGroups(-groupId);
        KnownSecrets[groupId] = new GroupSecret(groupId, epoch, passwordHash);
        return new JoinSnapshot(groupId, epoch, creator, (string[])r[1]!, [], creator.Name);
    }

    public async Task<GroupSecret?> GetSecretAsync(int groupId, CancellationToken ct = default)
    {
        var values = await Call(() => node.Database.HashGetAsync(GroupKey(groupId), ["epoch", "pw"]));
        if (values[0].IsNull || values[1].IsNull) return null;
        var secret = new GroupSecret(groupId, values[0]!, values[1]!);
        KnownSecrets[groupId] = secret;
        return secret;
    }

    public async Task<JoinSnapshot> AddMemberAsync(int groupId, string epoch, MemberRecord member, CancellationToken ct = default)
    {
        node.EnsureReady();
        var r = (RedisResult[])(await node.RunAsync(RedisScripts.Join, groupId, epoch, WireMember.Encode(member)))!;
        return (int)r[0] switch
        {
            0 => throw ChatException.UnknownGroup(groupId),
            -1 => throw ChatException.NameTaken(member.Name, groupId),
            _ => new JoinSnapshot(groupId, epoch, member, (string[])r[1]!, History(r[2], 0), (string)r[3]!),
        };
    }

    public async Task<JoinSnapshot?> AttachAsync(int groupId, string epoch, string memberId, long generation, string connectionId, string nodeId,
        long lastSeenMessageId, CancellationToken ct = default)
    {
        node.EnsureReady();
        var r = (RedisResult[])(await node.RunAsync(RedisScripts.Attach, groupId, epoch, memberId, generation, connectionId, nodeId))!;
        if ((int)r[0] == 0) return null;
        return new JoinSnapshot(groupId, epoch, WireMember.Decode((string)r[1]!), (string[])r[2]!, History(r[3], lastSeenMessageId), (string)r[4]!);
    }

    /// <summary>Members in Redis outlive a node's restart with their presence; none waits to be taken back by name.</summary>
    public Task<bool> CanReclaimAsync(int groupId, string name, Door door, CancellationToken ct = default) => Task.FromResult(false);

    public Task<JoinSnapshot?> ReclaimAsync(int groupId, string epoch, string name, Door door, string connectionId, string nodeId,
        CancellationToken ct = default) =>
        throw new NotSupportedException("The Redis store keeps no members to take back by name");

    public async Task<bool> DetachAsync(int groupId, string memberId, string connectionId, CancellationToken ct = default)
    {
        // If the node cannot remove it when its grace ends, the sweep does, a little later.
        var fallback = (_options.ReconnectGrace + 2 * node.Options.PresenceTtl).TotalMilliseconds;
        return (int)await node.RunAsync(RedisScripts.Detach, groupId, memberId, connectionId, (long)fallback) == 1;
    }

    public async Task<RemoveResult> RemoveMemberAsync(int groupId, string memberId, bool onlyIfDetached, CancellationToken ct = default)
    {
        var r = (RedisResult[])(await node.RunAsync(RedisScripts.Remove, groupId, memberId, onlyIfDetached ? 1 : 0))!;
        var heir = (string)r[2]!;
        return new RemoveResult((int)r[0] == 1, (int)r[1] == 1, heir == "" ? null : heir);
    }

    public async Task<ChatMessage> AppendMessageAsync(int groupId, string memberId, string connectionId, string text, DateTime sentAt, CancellationToken ct = default)
    {
        node.EnsureReady();
        var r = await node.RunAsync(RedisScripts.Message, groupId, memberId, connectionId, text, sentAt.ToString("O"),
            Math.Max(0, _options.HistorySize), Math.Max(0, _options.HistoryMaxBytes));
        if (r.Resp2Type == ResultType.Integer) throw ChatException.NotMember(groupId);
        return WireEvent.Parse((byte[])r!).ToMessage();
    }

    /// <summary>The first <paramref name="max"/> of the groups sorted set (scored by member count, then id): one ZREVRANGE.</summary>
    public async Task<IReadOnlyList<GroupSummary>> ListGroupsAsync(int max, CancellationToken ct = default)
    {
        if (max <= 0) return [];
        var entries = await Call(() => node.Database.SortedSetRangeByRankWithScoresAsync(node.Options.KeyPrefix + "groups", 0, max - 1, Order.Descending));
        var list = new List<GroupSummary>(entries.Length);
        foreach (var entry in entries)
        {
            var members = (int)Math.Ceiling(entry.Score / GroupScale);
            if (members > 0) list.Add(new GroupSummary((int)entry.Element, members));
        }
        return list;
    }

    public async Task<string[]> GetMemberNamesAsync(int groupId, CancellationToken ct = default) =>
        (string[])(await node.RunAsync(RedisScripts.Names, groupId))!;

    public async Task<bool> IsThrottledAsync(string address, CancellationToken ct = default) =>
        (int)await node.RunAsync(RedisScripts.Throttle, address, "check", Math.Max(1, _options.Limits.PasswordFailuresPerMinute)) == 1;

    public Task RecordPasswordFailureAsync(string address, CancellationToken ct = default) =>
        node.RunAsync(RedisScripts.Throttle, address, "record", Math.Max(1, _options.Limits.PasswordFailuresPerMinute));

    public async Task<string?> GetOwnerAsync(int groupId, CancellationToken ct = default) =>
        (string)(await node.RunAsync(RedisScripts.Owner, groupId))! is { Length: > 0 } owner ? owner : null;

    public async Task<bool> TryCountAttemptAsync(string address, CancellationToken ct = default) =>
        (int)await node.RunAsync(RedisScripts.Attempt, address, Math.Max(0, _options.Limits.JoinsPerMinute)) == 1;

    public async Task<RemovedMember> RemoveByOwnerAsync(int groupId, string byMemberId, string byConnectionId, string userName,
        CancellationToken ct = default)
    {
        node.EnsureReady();
        var r = (RedisResult[])(await node.RunAsync(RedisScripts.Kick, groupId, byMemberId, byConnectionId, Rules.NameKey(userName)))!;
        var status = (int)r[0];
        if (status < 0) throw Refusal(status, groupId, userName, "You cannot remove yourself; leave the group instead");
        return new RemovedMember(WireMember.Decode((string)r[1]!), (string)r[2]!);
    }

    public async Task ChangePasswordAsync(int groupId, string byMemberId, string byConnectionId, string passwordHash, CancellationToken ct = default)
    {
        node.EnsureReady();
        var status = (int)await node.RunAsync(RedisScripts.Password, groupId, byMemberId, byConnectionId, passwordHash);
        if (status < 0) throw Refusal(status, groupId, "", "");
        if (KnownSecrets.TryGetValue(groupId, out var known)) KnownSecrets[groupId] = known with { PasswordHash = passwordHash };
    }

    public async Task<string> TransferOwnershipAsync(int groupId, string byMemberId, string byConnectionId, string userName,
        CancellationToken ct = default)
    {
        node.EnsureReady();
        var r = (RedisResult[])(await node.RunAsync(RedisScripts.Transfer, groupId, byMemberId, byConnectionId, Rules.NameKey(userName)))!;
        var status = (int)r[0];
        if (status < 0) throw Refusal(status, groupId, userName, $"You are already the owner of group {groupId}");
        return (string)r[1]!;
    }

    /// <summary>A group's score in the groups sorted set is its member count times this, less its id.</summary>
    private const double GroupScale = 4294967296.0;

    private ChatException TooManyGroups(int refused) => refused == 1
        ? new ChatException(ChatError.TooManyGroups, "The server has as many groups as it can hold; try again later or join an existing group")
        : new ChatException(ChatError.TooManyGroups,
            $"Your address already has {_options.Limits.GroupsPerAddress} live groups; leave one before creating another");

    /// <summary>The refusal codes of the moderation scripts.</summary>
    private static ChatException Refusal(int status, int groupId, string userName, string selfTarget) => status switch
    {
        -2 => ChatException.NotOwner(),
        -3 => ChatException.UnknownMember(userName, groupId),
        -4 => new ChatException(ChatError.InvalidTarget, selfTarget),
        _ => ChatException.NotMember(groupId),
    };

    internal RedisKey GroupKey(int groupId) => node.Options.KeyPrefix + "g:" + groupId;

    internal static ChatMessage[] History(RedisResult entries, long after) =>
        ((RedisValue[])entries!).Select(v => WireEvent.Parse(((ReadOnlyMemory<byte>)v).Span)).Where(e => e.Seq > after)
            .Select(e => e.ToMessage()).ToArray();

    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try { return await call(); }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            throw ChatException.Unavailable();
        }
    }
}
