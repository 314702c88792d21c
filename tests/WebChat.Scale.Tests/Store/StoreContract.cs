using System.Collections.Concurrent;
using WebChat.Groups;
using WebChat.Store;

namespace WebChat.Scale.Tests.Store;

/// <summary>
/// The rules that live in the store (<see cref="IGroupStore"/>), written once and run against every store: the
/// in-memory one and the Redis one on a real redis-server. A store must behave the same whichever runs.
/// </summary>
public abstract class StoreContract
{
    /// <summary>A fresh, empty store with these settings; its events go to <paramref name="events"/>.</summary>
    protected abstract Task<StoreUnderTest> StartAsync(ChatOptions options, RecordedEvents events);

    private int _connections;

    private async Task<StoreUnderTest> StartAsync(Action<ChatOptions>? configure = null)
    {
        var options = new ChatOptions();
        configure?.Invoke(options);
        return await StartAsync(options, new RecordedEvents());
    }

    private MemberRecord NewMember(StoreUnderTest s, string name) =>
        new(Guid.NewGuid().ToString("N"), name, Door.Hub, "conn-" + Interlocked.Increment(ref _connections), s.NodeId);

    private async Task<(JoinSnapshot Group, MemberRecord Owner)> CreateAsync(StoreUnderTest s, string name = "Hadas", string address = "10.0.0.1")
    {
        var owner = NewMember(s, name);
        return (await s.Store.CreateGroupAsync("hash", owner, address), owner);
    }

    private async Task<MemberRecord> JoinAsync(StoreUnderTest s, JoinSnapshot group, string name)
    {
        var member = NewMember(s, name);
        await s.Store.AddMemberAsync(group.GroupId, group.Epoch, member);
        return member;
    }

    [Fact]
    public async Task NamesAreUniqueInAGroupByTheirNameKey()
    {
        await using var s = await StartAsync();
        var (g, _) = await CreateAsync(s, "Hadas");
        Assert.Equal(Rules.NameKey("Hadas"), Rules.NameKey("hADAS"));
        var taken = await Assert.ThrowsAsync<ChatException>(() => s.Store.AddMemberAsync(g.GroupId, g.Epoch, NewMember(s, "hADAS")));
        Assert.Equal(ChatError.NameTaken, taken.Error);
        var joined = await s.Store.AddMemberAsync(g.GroupId, g.Epoch, NewMember(s, "Shoham"));
        Assert.Equal(["Hadas", "Shoham"], joined.Members);
        Assert.Equal("Hadas", joined.Owner);
        Assert.Equal(["Hadas", "Shoham"], await s.Store.GetMemberNamesAsync(g.GroupId));
    }

    [Fact]
    public async Task ANewGroupGetsTheSmallestIdNoLiveGroupUses()
    {
        await using var s = await StartAsync();
        var created = new List<(JoinSnapshot Group, MemberRecord Owner)>();
        for (var i = 0; i < 3; i++) created.Add(await CreateAsync(s));
        Assert.Equal([1, 2, 3], created.Select(c => c.Group.GroupId));

        var removed = await s.Store.RemoveMemberAsync(2, created[1].Owner.MemberId, onlyIfDetached: false);
        Assert.Equal(new RemoveResult(true, true), removed);
        Assert.Null(await s.Store.GetSecretAsync(2));
        Assert.Equal(2, (await CreateAsync(s)).Group.GroupId);
        Assert.Equal(4, (await CreateAsync(s)).Group.GroupId);

        await s.Store.RemoveMemberAsync(1, created[0].Owner.MemberId, onlyIfDetached: false);
        Assert.Equal(1, (await CreateAsync(s)).Group.GroupId);
    }

    [Fact]
    public async Task TheHistoryKeepsTheLastMessagesUpToItsCount()
    {
        await using var s = await StartAsync(o => o.HistorySize = 3);
        var (g, owner) = await CreateAsync(s);
        for (var i = 1; i <= 5; i++) await s.Store.AppendMessageAsync(g.GroupId, owner.MemberId, owner.ConnectionId!, $"m{i}", DateTime.UtcNow);
        var joined = await s.Store.AddMemberAsync(g.GroupId, g.Epoch, NewMember(s, "Shoham"));
        Assert.Equal(["m3", "m4", "m5"], joined.History.Select(m => m.Text));
    }

    [Fact]
    public async Task TheHistoryKeepsAtMostItsBytesOfUtf8TextDroppingTheOldestFirst()
    {
        await using var s = await StartAsync(o => o.HistoryMaxBytes = 12);
        var (g, owner) = await CreateAsync(s);
        async Task<string[]> SendAndReadAsync(string text)
        {
            await s.Store.AppendMessageAsync(g.GroupId, owner.MemberId, owner.ConnectionId!, text, DateTime.UtcNow);
            var joiner = NewMember(s, "Reader" + Interlocked.Increment(ref _connections));
            var history = (await s.Store.AddMemberAsync(g.GroupId, g.Epoch, joiner)).History.Select(m => m.Text).ToArray();
            await s.Store.RemoveMemberAsync(g.GroupId, joiner.MemberId, onlyIfDetached: false);
            return history;
        }

        Assert.Equal(["שלום"], await SendAndReadAsync("שלום"));                // 8 bytes
        Assert.Equal(["שלום", "abcd"], await SendAndReadAsync("abcd"));        // 12: at the cap
        Assert.Equal(["abcd", "x"], await SendAndReadAsync("x"));               // 13: the oldest goes
        Assert.Equal(["x", "éééé"], await SendAndReadAsync("éééé"));            // 4 + 1 + 8 = 13: abcd goes too
        Assert.Empty(await SendAndReadAsync(new string('z', 13)));          // one message over the cap is not kept
    }

    [Fact]
    public async Task WrongPasswordsThrottleTheirAddressOnlyOnceItsAllowanceForTheMinuteIsUsed()
    {
        await using var s = await StartAsync(o => o.Limits.PasswordFailuresPerMinute = 3);
        for (var i = 0; i < 3; i++)
        {
            Assert.False(await s.Store.IsThrottledAsync("10.0.0.1"));
            await s.Store.RecordPasswordFailureAsync("10.0.0.1");
        }
        Assert.True(await s.Store.IsThrottledAsync("10.0.0.1"));
        Assert.True(await s.Store.IsThrottledAsync("10.0.0.1"));    // asking does not count
        Assert.False(await s.Store.IsThrottledAsync("10.0.0.2"));
    }

    [Fact]
    public async Task AttemptsAreCountedPerAddressAndARefusedOneIsNotCounted()
    {
        await using var s = await StartAsync(o => o.Limits.JoinsPerMinute = 3);
        for (var i = 0; i < 3; i++) Assert.True(await s.Store.TryCountAttemptAsync("10.0.0.1"));
        Assert.False(await s.Store.TryCountAttemptAsync("10.0.0.1"));
        Assert.False(await s.Store.TryCountAttemptAsync("10.0.0.1"));
        for (var i = 0; i < 3; i++) Assert.True(await s.Store.TryCountAttemptAsync("2001:db8::/64"));
        Assert.False(await s.Store.TryCountAttemptAsync("2001:db8::/64"));
    }

    [Fact]
    public async Task AnAddressHasAtMostItsLiveGroupsAndADeletedGroupNoLongerCounts()
    {
        await using var s = await StartAsync(o => o.Limits.GroupsPerAddress = 2);
        var (first, firstOwner) = await CreateAsync(s, address: "10.0.0.1");
        await CreateAsync(s, address: "10.0.0.1");
        var refused = await Assert.ThrowsAsync<ChatException>(() => s.Store.EnsureCanCreateAsync("10.0.0.1"));
        Assert.Equal(ChatError.TooManyGroups, refused.Error);
        Assert.Equal("Your address already has 2 live groups; leave one before creating another", refused.Message);
        refused = await Assert.ThrowsAsync<ChatException>(() => CreateAsync(s, address: "10.0.0.1"));
        Assert.Equal(ChatError.TooManyGroups, refused.Error);
        await s.Store.EnsureCanCreateAsync("10.0.0.2");
        await CreateAsync(s, address: "10.0.0.2");

        // A group counts until it is deleted, whoever is left in it.
        var other = await JoinAsync(s, first, "Shoham");
        Assert.Equal("Shoham", (await s.Store.RemoveMemberAsync(first.GroupId, firstOwner.MemberId, onlyIfDetached: false)).NewOwner);
        await Assert.ThrowsAsync<ChatException>(() => s.Store.EnsureCanCreateAsync("10.0.0.1"));
        Assert.True((await s.Store.RemoveMemberAsync(first.GroupId, other.MemberId, onlyIfDetached: false)).GroupDeleted);
        await s.Store.EnsureCanCreateAsync("10.0.0.1");
        await CreateAsync(s, address: "10.0.0.1");
    }

    [Fact]
    public async Task TheDeploymentHasAtMostItsLiveGroups()
    {
        await using var s = await StartAsync(o => o.Limits.MaxGroups = 2);
        var (first, owner) = await CreateAsync(s, address: "10.0.0.1");
        await CreateAsync(s, address: "10.0.0.2");
        var refused = await Assert.ThrowsAsync<ChatException>(() => CreateAsync(s, address: "10.0.0.3"));
        Assert.Equal(ChatError.TooManyGroups, refused.Error);
        Assert.Equal("The server has as many groups as it can hold; try again later or join an existing group", refused.Message);
        await Assert.ThrowsAsync<ChatException>(() => s.Store.EnsureCanCreateAsync("10.0.0.3"));
        await s.Store.RemoveMemberAsync(first.GroupId, owner.MemberId, onlyIfDetached: false);
        Assert.Equal(first.GroupId, (await CreateAsync(s, address: "10.0.0.3")).Group.GroupId);
    }

    [Fact]
    public async Task ARejoinOpensTheMemberOnlyWithItsCurrentGenerationAndTheOldConnectionLosesIt()
    {
        await using var s = await StartAsync();
        var (g, owner) = await CreateAsync(s);
        var shoham = await JoinAsync(s, g, "Shoham");
        Assert.Equal(1, shoham.Generation);
        Assert.True(await s.Store.DetachAsync(g.GroupId, shoham.MemberId, shoham.ConnectionId!));

        var back = await s.Store.AttachAsync(g.GroupId, g.Epoch, shoham.MemberId, 1, "conn-back", s.NodeId, 0);
        Assert.NotNull(back);
        Assert.Equal((2L, "conn-back", "Hadas"), (back.Member.Generation, back.Member.ConnectionId, back.Owner));
        var attached = await s.Events.WaitForAsync(e => e.Kind == GroupEventKind.Attached);
        Assert.Equal(("Shoham", "conn-back", (string?)null), (attached.UserName, attached.ConnectionId, attached.PreviousConnectionId));

        // The token of generation 1 is used up; generation 2 opens it once, even while another connection holds it.
        Assert.Null(await s.Store.AttachAsync(g.GroupId, g.Epoch, shoham.MemberId, 1, "conn-stale", s.NodeId, 0));
        var again = await s.Store.AttachAsync(g.GroupId, g.Epoch, shoham.MemberId, 2, "conn-again", s.NodeId, 0);
        Assert.Equal(3, again!.Member.Generation);
        attached = await s.Events.WaitForAsync(e => e.Kind == GroupEventKind.Attached && e.ConnectionId == "conn-again");
        Assert.Equal("conn-back", attached.PreviousConnectionId);
        Assert.Null(await s.Store.AttachAsync(g.GroupId, g.Epoch, shoham.MemberId, 2, "conn-stale", s.NodeId, 0));

        // Only the connection that holds the member speaks for it.
        var refused = await Assert.ThrowsAsync<ChatException>(() =>
            s.Store.AppendMessageAsync(g.GroupId, shoham.MemberId, "conn-back", "from the old page", DateTime.UtcNow));
        Assert.Equal(ChatError.NotMember, refused.Error);
        Assert.False(await s.Store.DetachAsync(g.GroupId, shoham.MemberId, "conn-back"));
        var sent = await s.Store.AppendMessageAsync(g.GroupId, shoham.MemberId, "conn-again", "from the new page", DateTime.UtcNow);
        Assert.Equal("Shoham", sent.Sender);

        // A rejoin replays only what came after the last message seen.
        var later = await s.Store.AppendMessageAsync(g.GroupId, owner.MemberId, owner.ConnectionId!, "later", DateTime.UtcNow);
        var replay = await s.Store.AttachAsync(g.GroupId, g.Epoch, shoham.MemberId, 3, "conn-last", s.NodeId, sent.Id);
        Assert.Equal([later.Id], replay!.History.Select(m => m.Id));
    }

    [Fact]
    public async Task WhenTheOwnerLeavesTheLongestStandingMemberBecomesOwnerAfterTheLeave()
    {
        await using var s = await StartAsync();
        var (g, hadas) = await CreateAsync(s, "Hadas");
        var shoham = await JoinAsync(s, g, "Shoham");
        var noa = await JoinAsync(s, g, "Noa");
        Assert.Equal("Hadas", await s.Store.GetOwnerAsync(g.GroupId));

        Assert.Equal(new RemoveResult(true, false, "Shoham"), await s.Store.RemoveMemberAsync(g.GroupId, hadas.MemberId, onlyIfDetached: false));
        Assert.Equal("Shoham", await s.Store.GetOwnerAsync(g.GroupId));
        var left = await s.Events.WaitForAsync(e => e.Kind == GroupEventKind.Left);
        var owner = await s.Events.WaitForAsync(e => e.Kind == GroupEventKind.OwnerChanged);
        Assert.Equal(("Hadas", "Shoham", shoham.ConnectionId), (left.UserName, owner.UserName, owner.ConnectionId));
        Assert.Equal(left.Seq + 1, owner.Seq);
        await JoinAsync(s, g, "Bar");
        Assert.Equal("Shoham", await s.Store.GetOwnerAsync(g.GroupId));

        // A member who is not the owner leaves without a change of owner; a detached owner whose grace ends passes it on too.
        Assert.Equal(new RemoveResult(true, false), await s.Store.RemoveMemberAsync(g.GroupId, noa.MemberId, onlyIfDetached: false));
        Assert.True(await s.Store.DetachAsync(g.GroupId, shoham.MemberId, shoham.ConnectionId!));
        Assert.Equal(new RemoveResult(true, false, "Bar"), await s.Store.RemoveMemberAsync(g.GroupId, shoham.MemberId, onlyIfDetached: true));
        Assert.Equal("Bar", await s.Store.GetOwnerAsync(g.GroupId));
        Assert.Equal("Bar", (await s.Events.WaitForAsync(e => e.Kind == GroupEventKind.OwnerChanged)).UserName);
        Assert.Null(await s.Store.GetOwnerAsync(99));
    }

    [Fact]
    public async Task OnlyTheOwnerHeldByItsConnectionRemovesAMemberAndTheRemovedTokenStopsWorking()
    {
        await using var s = await StartAsync();
        var (g, hadas) = await CreateAsync(s, "Hadas");
        var shoham = await JoinAsync(s, g, "Shoham");
        await JoinAsync(s, g, "Noa");

        async Task<ChatError> RefusedAsync(Func<Task> call) => (await Assert.ThrowsAsync<ChatException>(call)).Error;
        Assert.Equal(ChatError.NotOwner, await RefusedAsync(() => s.Store.RemoveByOwnerAsync(g.GroupId, shoham.MemberId, shoham.ConnectionId!, "Noa")));
        Assert.Equal(ChatError.NotMember, await RefusedAsync(() => s.Store.RemoveByOwnerAsync(g.GroupId, hadas.MemberId, "another-connection", "Noa")));
        Assert.Equal(ChatError.UnknownMember, await RefusedAsync(() => s.Store.RemoveByOwnerAsync(g.GroupId, hadas.MemberId, hadas.ConnectionId!, "Nobody")));
        Assert.Equal(ChatError.InvalidTarget, await RefusedAsync(() => s.Store.RemoveByOwnerAsync(g.GroupId, hadas.MemberId, hadas.ConnectionId!, "HADAS")));
        Assert.Equal(ChatError.NotMember, await RefusedAsync(() => s.Store.RemoveByOwnerAsync(98, hadas.MemberId, hadas.ConnectionId!, "Noa")));

        var removed = await s.Store.RemoveByOwnerAsync(g.GroupId, hadas.MemberId, hadas.ConnectionId!, "shoham");
        Assert.Equal(("Shoham", shoham.MemberId, "Hadas"), (removed.Member.Name, removed.Member.MemberId, removed.By));
        var e = await s.Events.WaitForAsync(x => x.Kind == GroupEventKind.Removed);
        Assert.Equal(("Shoham", shoham.ConnectionId, "Hadas"), (e.UserName, e.ConnectionId, e.By));
        Assert.Equal(["Hadas", "Noa"], await s.Store.GetMemberNamesAsync(g.GroupId));
        Assert.Null(await s.Store.AttachAsync(g.GroupId, g.Epoch, shoham.MemberId, shoham.Generation, "conn-back", s.NodeId, 0));
        Assert.Equal(ChatError.NotMember, await RefusedAsync(() =>
            s.Store.AppendMessageAsync(g.GroupId, shoham.MemberId, shoham.ConnectionId!, "still here?", DateTime.UtcNow)));
        await JoinAsync(s, g, "Shoham");     // with the password, the name is free again
    }

    [Fact]
    public async Task TheOwnerChangesThePasswordAndHandsTheGroupOn()
    {
        await using var s = await StartAsync();
        var (g, hadas) = await CreateAsync(s, "Hadas");
        var shoham = await JoinAsync(s, g, "Shoham");

        async Task<ChatError> RefusedAsync(Func<Task> call) => (await Assert.ThrowsAsync<ChatException>(call)).Error;
        Assert.Equal(ChatError.NotOwner, await RefusedAsync(() => s.Store.ChangePasswordAsync(g.GroupId, shoham.MemberId, shoham.ConnectionId!, "new")));
        Assert.Equal(ChatError.NotMember, await RefusedAsync(() => s.Store.ChangePasswordAsync(g.GroupId, hadas.MemberId, "another-connection", "new")));
        Assert.Equal("hash", (await s.Store.GetSecretAsync(g.GroupId))!.PasswordHash);
        await s.Store.ChangePasswordAsync(g.GroupId, hadas.MemberId, hadas.ConnectionId!, "new-hash");
        Assert.Equal(new GroupSecret(g.GroupId, g.Epoch, "new-hash"), await s.Store.GetSecretAsync(g.GroupId));
        var changed = await s.Events.WaitForAsync(e => e.Kind == GroupEventKind.PasswordChanged);
        Assert.Equal(("Hadas", hadas.ConnectionId), (changed.UserName, changed.ConnectionId));

        Assert.Equal(ChatError.NotOwner, await RefusedAsync(() => s.Store.TransferOwnershipAsync(g.GroupId, shoham.MemberId, shoham.ConnectionId!, "Hadas")));
        Assert.Equal(ChatError.UnknownMember, await RefusedAsync(() => s.Store.TransferOwnershipAsync(g.GroupId, hadas.MemberId, hadas.ConnectionId!, "Nobody")));
        Assert.Equal(ChatError.InvalidTarget, await RefusedAsync(() => s.Store.TransferOwnershipAsync(g.GroupId, hadas.MemberId, hadas.ConnectionId!, "Hadas")));
        Assert.Equal("Shoham", await s.Store.TransferOwnershipAsync(g.GroupId, hadas.MemberId, hadas.ConnectionId!, "SHOHAM"));
        var owner = await s.Events.WaitForAsync(e => e.Kind == GroupEventKind.OwnerChanged);
        Assert.Equal(("Shoham", shoham.ConnectionId), (owner.UserName, owner.ConnectionId));
        Assert.Equal("Shoham", await s.Store.GetOwnerAsync(g.GroupId));
        Assert.Equal(ChatError.NotOwner, await RefusedAsync(() => s.Store.ChangePasswordAsync(g.GroupId, hadas.MemberId, hadas.ConnectionId!, "x")));
        Assert.Equal("Shoham", (await s.Store.AddMemberAsync(g.GroupId, g.Epoch, NewMember(s, "Noa"))).Owner);
    }

    [Fact]
    public async Task TheListHasTheLargestGroupsFirstUpToItsLength()
    {
        await using var s = await StartAsync();
        var sizes = new[] { 1, 3, 2, 3, 1 };
        var groups = new List<JoinSnapshot>();
        foreach (var size in sizes)
        {
            var (g, _) = await CreateAsync(s);
            for (var i = 1; i < size; i++) await JoinAsync(s, g, "Member" + i);
            groups.Add(g);
        }
        Assert.Equal([new(2, 3), new(4, 3), new(3, 2), new(1, 1), new(5, 1)], await s.Store.ListGroupsAsync(100));
        Assert.Equal([new(2, 3), new(4, 3)], await s.Store.ListGroupsAsync(2));
        Assert.Empty(await s.Store.ListGroupsAsync(0));

        var (sixth, _) = await CreateAsync(s);
        for (var i = 1; i < 4; i++) await JoinAsync(s, sixth, "Member" + i);
        Assert.Equal([new(6, 4), new(2, 3)], await s.Store.ListGroupsAsync(2));
    }
}

/// <summary>A store with what its test needs: its node's id and the events it published.</summary>
public sealed class StoreUnderTest(IGroupStore store, string nodeId, RecordedEvents events, Func<ValueTask> dispose) : IAsyncDisposable
{
    public IGroupStore Store { get; } = store;
    public string NodeId { get; } = nodeId;
    public RecordedEvents Events { get; } = events;
    public ValueTask DisposeAsync() => dispose();
}

/// <summary>The events a store published, in order, with a bounded wait for the next match.</summary>
public sealed class RecordedEvents : IGroupEventPublisher
{
    private readonly ConcurrentQueue<GroupEvent> _events = new();
    private TaskCompletionSource _added = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _taken;

    public IReadOnlyList<GroupEvent> All => _events.ToArray();

    public void Publish(GroupEvent e)
    {
        _events.Enqueue(e);
        Interlocked.Exchange(ref _added, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>The next event after the last one taken that matches (events before it are passed over).</summary>
    public async Task<GroupEvent> WaitForAsync(Func<GroupEvent, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var added = Volatile.Read(ref _added).Task;
            var events = All;
            for (var i = _taken; i < events.Count; i++)
            {
                if (!match(events[i])) continue;
                _taken = i + 1;
                return events[i];
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"No matching event; published: {string.Join(", ", events)}");
            await Task.WhenAny(added, Task.Delay(left));
        }
    }
}
