using Microsoft.Extensions.Options;
using WebChat.Groups;
using WebChat.Store;
using WebChat.Store.Durable;

namespace WebChat.Tests.Store;

/// <summary>
/// The in-memory store's changes written by <see cref="GroupJournal"/> and read back into a new store: what a
/// restart sees. (The node's own restarts are in Operations/RestartTests.)
/// </summary>
public sealed class GroupJournalTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("webchat-journal-").FullName;

    private static InMemoryGroupStore NewStore(int historySize = 100)
    {
        var store = new InMemoryGroupStore(new NoPublisher(), Options.Create(new ChatOptions { HistorySize = historySize }));
        store.TrackChanges();
        return store;
    }

    private static MemberRecord Member(string name, Door door = Door.Hub) => new(Guid.NewGuid().ToString("N"), name, door, "c-" + name, "node");

    /// <summary>Writes what changed, closes the database, and reads it back into a fresh store.</summary>
    private (InMemoryGroupStore Store, IReadOnlyList<(int GroupId, string Epoch, MemberRecord Member)> Members) Restart(InMemoryGroupStore store,
        int historySize = 100)
    {
        using (var journal = GroupJournal.Open(_folder)) journal.Write(store.TakeChanges(int.MaxValue));
        var next = NewStore(historySize);
        using var reopened = GroupJournal.Open(_folder);
        return (next, next.Restore(reopened.Load()));
    }

    [Fact]
    public async Task GroupsComeBackWithIdsEpochsPasswordsOwnersMembersInJoinOrderAndHistory()
    {
        var store = NewStore();
        var hadas = Member("Hadas");
        var one = await store.CreateGroupAsync("hash-1", hadas, "10.0.0.1");
        var two = await store.CreateGroupAsync("hash-2", Member("Other"), "10.0.0.2");
        var shoham = Member("Shoham", Door.Tcp);
        await store.AddMemberAsync(1, one.Epoch, shoham);
        await store.AddMemberAsync(1, one.Epoch, Member("Third"));
        var message = await store.AppendMessageAsync(1, hadas.MemberId, hadas.ConnectionId!, "hello", new DateTime(2026, 11, 29, 10, 0, 0, DateTimeKind.Utc));
        await store.TransferOwnershipAsync(1, hadas.MemberId, hadas.ConnectionId!, "Shoham");

        var (restored, members) = Restart(store);

        Assert.Equal([(1, one.Epoch, "hash-1"), (2, two.Epoch, "hash-2")],
            new[] { await restored.GetSecretAsync(1), await restored.GetSecretAsync(2) }.Select(s => (s!.GroupId, s.Epoch, s.PasswordHash)));
        Assert.Equal(["Hadas", "Shoham", "Third"], await restored.GetMemberNamesAsync(1));
        Assert.Equal("Shoham", await restored.GetOwnerAsync(1));
        Assert.All(members, m => Assert.Null(m.Member.ConnectionId));
        Assert.Equal(Door.Tcp, members.Single(m => m.Member.Name == "Shoham").Member.Door);
        // The history, and the sequence after it: the next event's id follows the last one given.
        var back = await restored.AttachAsync(1, one.Epoch, hadas.MemberId, hadas.Generation, "new-connection", "node", 0);
        Assert.Equal([message], back!.History);
        var next = await restored.AppendMessageAsync(1, hadas.MemberId, "new-connection", "again", DateTime.UtcNow);
        Assert.True(next.Id > message.Id + 1, $"id {next.Id} after {message.Id} (and the owner change and the attach)");
    }

    [Fact]
    public async Task DeletedGroupsAreGoneAndTheSmallestFreeIdIsGivenAgainAlsoToAGroupThatReusedAnIdBeforeTheWrite()
    {
        var store = NewStore();
        var a = Member("A");
        var first = await store.CreateGroupAsync("old", a, "x");
        await store.AppendMessageAsync(1, a.MemberId, a.ConnectionId!, "of the old group 1", DateTime.UtcNow);
        using (var journal = GroupJournal.Open(_folder)) journal.Write(store.TakeChanges(int.MaxValue));
        await store.CreateGroupAsync("two", Member("B"), "x");
        var c = Member("C");
        await store.CreateGroupAsync("three", c, "x");
        // Group 1 ends and a new group 1 begins, both before the next write.
        await store.RemoveMemberAsync(1, a.MemberId, onlyIfDetached: false);
        var d = Member("D");
        var again = await store.CreateGroupAsync("new", d, "x");
        Assert.Equal(1, again.GroupId);
        await store.RemoveMemberAsync(2, Find(store, 2, "B").MemberId, onlyIfDetached: false);

        var (restored, _) = Restart(store);

        var secret = await restored.GetSecretAsync(1);
        Assert.Equal((again.Epoch, "new"), (secret!.Epoch, secret.PasswordHash));
        Assert.NotEqual(first.Epoch, secret.Epoch);
        Assert.Equal(["D"], await restored.GetMemberNamesAsync(1));
        var back = await restored.AttachAsync(1, again.Epoch, d.MemberId, d.Generation, "n", "node", 0);
        Assert.Empty(back!.History);
        Assert.Null(await restored.GetSecretAsync(2));
        Assert.Equal(2, (await restored.CreateGroupAsync("h", Member("E"), "x")).GroupId);
        Assert.Equal(4, (await restored.CreateGroupAsync("h", Member("F"), "x")).GroupId);
    }

    [Fact]
    public async Task TheHistoryIsWrittenAsItIsKeptTrimmedToItsCapAndItsOldestRowsGo()
    {
        var store = NewStore(historySize: 3);
        var a = Member("A");
        await store.CreateGroupAsync("h", a, "x");
        using (var journal = GroupJournal.Open(_folder))
            for (var i = 0; i < 10; i++)
            {
                await store.AppendMessageAsync(1, a.MemberId, a.ConnectionId!, $"m{i}", DateTime.UtcNow);
                if (i % 3 == 0) journal.Write(store.TakeChanges(int.MaxValue));
            }

        var (restored, _) = Restart(store, historySize: 3);
        var epoch = (await restored.GetSecretAsync(1))!.Epoch;
        var back = await restored.AttachAsync(1, epoch, a.MemberId, a.Generation, "n", "node", 0);
        Assert.Equal(["m7", "m8", "m9"], back!.History.Select(m => m.Text));

        // A smaller cap at the next start trims what was kept.
        var (smaller, _) = Restart(restored, historySize: 2);
        back = await smaller.AttachAsync(1, epoch, a.MemberId, a.Generation + 1, "n2", "node", 0);
        Assert.Equal(["m8", "m9"], back!.History.Select(m => m.Text));
    }

    [Fact]
    public async Task AReclaimedMemberKeepsItsPlaceAndAGenerationMovesOn()
    {
        var store = NewStore();
        var terminal = Member("Terminal", Door.Tcp);
        var created = await store.CreateGroupAsync("h", terminal, "x");
        await store.AddMemberAsync(1, created.Epoch, Member("Hub"));
        var (restored, _) = Restart(store);

        Assert.False(await restored.CanReclaimAsync(1, "Hub", Door.Tcp));
        Assert.True(await restored.CanReclaimAsync(1, "TERMINAL", Door.Tcp));
        var back = await restored.ReclaimAsync(1, created.Epoch, "terminal", Door.Tcp, "tcp-2", "node");
        Assert.Equal(("Terminal", terminal.MemberId, 2L), (back!.Member.Name, back.Member.MemberId, back.Member.Generation));
        Assert.Equal(["Terminal", "Hub"], back.Members);
        Assert.False(await restored.CanReclaimAsync(1, "Terminal", Door.Tcp));
        Assert.Null(await restored.ReclaimAsync(1, created.Epoch, "Terminal", Door.Tcp, "tcp-3", "node"));

        // Its generation was written: the next start gives the one after it.
        var (again, _) = Restart(restored);
        Assert.Equal(3, (await again.ReclaimAsync(1, created.Epoch, "Terminal", Door.Tcp, "tcp-4", "node"))!.Member.Generation);
    }

    private static MemberRecord Find(InMemoryGroupStore store, int groupId, string name) =>
        store.ConnectedMembers("node").Single(m => m.GroupId == groupId && m.Member.Name == name).Member;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private sealed class NoPublisher : IGroupEventPublisher
    {
        public void Publish(GroupEvent e) { }
    }
}
