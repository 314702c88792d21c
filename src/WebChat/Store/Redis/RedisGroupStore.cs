using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WebChat.Groups;

namespace WebChat.Store.Redis;

/// <summary>
/// The shared store for several nodes (DESIGN.md sections 2-3). Each change is one Lua script that takes
/// the group's next sequence number, updates members and history and PUBLISHes the event to the inbox
/// of every node with members of the group; <see cref="RedisInbox"/> hands them to this node's dispatcher.
/// </summary>
public sealed class RedisGroupStore(RedisNode node, IOptions<ChatOptions> options) : IGroupStore
{
    private readonly ChatOptions _options = options.Value;

    /// <summary>Secrets of groups this node has seen, to re-register its members if Redis loses its data.</summary>
    internal ConcurrentDictionary<int, GroupSecret> KnownSecrets { get; } = new();

    // TODO(redis): limits, owners, generations and moderation in the scripts.
    public Task EnsureCanCreateAsync(string address, CancellationToken ct = default) => Task.CompletedTask;
    public Task<string?> GetOwnerAsync(int groupId, CancellationToken ct = default) => Task.FromResult<string?>(null);
    public Task<bool> TryCountAttemptAsync(string address, CancellationToken ct = default) => Task.FromResult(true);
    public Task<RemovedMember> RemoveByOwnerAsync(int groupId, string byMemberId, string byConnectionId, string userName, CancellationToken ct = default) =>
        throw new NotSupportedException();
    public Task ChangePasswordAsync(int groupId, string byMemberId, string byConnectionId, string passwordHash, CancellationToken ct = default) =>
        throw new NotSupportedException();
    public Task<string> TransferOwnershipAsync(int groupId, string byMemberId, string byConnectionId, string userName, CancellationToken ct = default) =>
        throw new NotSupportedException();

    public async Task<JoinSnapshot> CreateGroupAsync(string passwordHash, MemberRecord creator, string address, CancellationToken ct = default)
    {
        node.EnsureReady();
        var epoch = Guid.NewGuid().ToString("N");
        var r = (RedisResult[])(await node.RunAsync(RedisScripts.Create, epoch, passwordHash, WireMember.Encode(creator)))!;
        var groupId = (int)r[0];
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
            _ => new JoinSnapshot(groupId, epoch, member, (string[])r[1]!, History(r[2], 0), ""),
        };
    }

    public async Task<JoinSnapshot?> AttachAsync(int groupId, string epoch, string memberId, long generation, string connectionId, string nodeId,
        long lastSeenMessageId, CancellationToken ct = default)
    {
        node.EnsureReady();
        var r = (RedisResult[])(await node.RunAsync(RedisScripts.Attach, groupId, epoch, memberId, connectionId, nodeId))!;
        if ((int)r[0] == 0) return null;
        return new JoinSnapshot(groupId, epoch, WireMember.Decode((string)r[1]!), (string[])r[2]!, History(r[3], lastSeenMessageId), "");
    }

    public async Task<bool> DetachAsync(int groupId, string memberId, string connectionId, CancellationToken ct = default)
    {
        // If the node cannot remove it when its grace ends, the sweep does, a little later.
        var fallback = (_options.ReconnectGrace + 2 * node.Options.PresenceTtl).TotalMilliseconds;
        return (int)await node.RunAsync(RedisScripts.Detach, groupId, memberId, connectionId, (long)fallback) == 1;
    }

    public async Task<RemoveResult> RemoveMemberAsync(int groupId, string memberId, bool onlyIfDetached, CancellationToken ct = default)
    {
        var r = (int[])(await node.RunAsync(RedisScripts.Remove, groupId, memberId, onlyIfDetached ? 1 : 0))!;
        return new RemoveResult(r[0] == 1, r[1] == 1);
    }

    public async Task<ChatMessage> AppendMessageAsync(int groupId, string memberId, string connectionId, string text, DateTime sentAt, CancellationToken ct = default)
    {
        node.EnsureReady();
        var r = await node.RunAsync(RedisScripts.Message, groupId, memberId, text, sentAt.ToString("O"), Math.Max(0, _options.HistorySize));
        if (r.Resp2Type == ResultType.Integer) throw ChatException.NotMember(groupId);
        return WireEvent.Parse((string)r!).ToMessage();
    }

    public async Task<IReadOnlyList<GroupSummary>> ListGroupsAsync(int max, CancellationToken ct = default)
    {
        var r = (long[])(await node.RunAsync(RedisScripts.List))!;
        var list = new List<GroupSummary>(r.Length / 2);
        for (var i = 0; i + 1 < r.Length; i += 2) list.Add(new GroupSummary((int)r[i], (int)r[i + 1]));
        return list.OrderByDescending(g => g.MemberCount).ThenBy(g => g.GroupId).Take(max).ToList();
    }

    public async Task<string[]> GetMemberNamesAsync(int groupId, CancellationToken ct = default) =>
        (string[])(await node.RunAsync(RedisScripts.Names, groupId))!;

    public async Task<bool> IsThrottledAsync(string address, CancellationToken ct = default) =>
        (int)await node.RunAsync(RedisScripts.Throttle, address, "check", Math.Max(1, _options.Limits.PasswordFailuresPerMinute)) == 1;

    public Task RecordPasswordFailureAsync(string address, CancellationToken ct = default) =>
        node.RunAsync(RedisScripts.Throttle, address, "record", Math.Max(1, _options.Limits.PasswordFailuresPerMinute));

    internal RedisKey GroupKey(int groupId) => node.Options.KeyPrefix + "g:" + groupId;

    internal static ChatMessage[] History(RedisResult entries, long after) =>
        ((string[])entries!).Select(WireEvent.Parse).Where(e => e.Seq > after).Select(e => e.ToMessage()).ToArray();

    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try { return await call(); }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            throw ChatException.Unavailable();
        }
    }
}
