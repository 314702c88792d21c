using WebChat.Groups;

namespace WebChat.Tests.Groups;

public class LocalMembershipsTests
{
    private static LocalMembership M(int groupId, string name = "A") => new(groupId, "e", $"m{groupId}", name, Door.Hub);

    [Fact]
    public void AddFindReplaceAndRemoveKeepTheOtherGroups()
    {
        var local = new LocalMemberships();
        local.Add("c1", M(1));
        local.Add("c1", M(2));
        local.Add("c2", M(1, "B"));
        local.Add("c1", M(1, "A2"));

        Assert.Equal("A2", local.Find("c1", 1)?.Name);
        Assert.Equal("A", local.Find("c1", 2)?.Name);
        Assert.Equal("B", local.Find("c2", 1)?.Name);
        Assert.Null(local.Find("c1", 3));
        Assert.Null(local.Find("nobody", 1));

        Assert.True(local.Remove("c1", 1));
        Assert.False(local.Remove("c1", 1));
        Assert.False(local.Remove("nobody", 1));
        Assert.Null(local.Find("c1", 1));
        Assert.Equal([("c1", 2), ("c2", 1)], local.All().Select(x => (x.ConnectionId, x.Membership.GroupId)).Order());

        Assert.Equal([2], local.RemoveConnection("c1").Select(m => m.GroupId));
        Assert.Empty(local.RemoveConnection("c1"));
        Assert.Equal([("c2", 1)], local.All().Select(x => (x.ConnectionId, x.Membership.GroupId)));
    }

    [Fact]
    public async Task ParallelAddsAndRemovesOnOneConnectionLoseNothing()
    {
        var local = new LocalMemberships();
        await Task.WhenAll(Enumerable.Range(1, 64).Select(g => Task.Run(() => local.Add("c", M(g)))));
        Assert.Equal(64, local.All().Count());
        await Task.WhenAll(Enumerable.Range(1, 32).Select(g => Task.Run(() => Assert.True(local.Remove("c", g * 2)))));
        Assert.Equal(Enumerable.Range(1, 32).Select(g => g * 2 - 1), local.All().Select(x => x.Membership.GroupId).Order());
    }
}
