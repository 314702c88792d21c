using Microsoft.AspNetCore.SignalR;
using WebChat.Groups;
using WebChat.Scale.Tests.Infrastructure;
using WebChat.Tests.Infrastructure;

namespace WebChat.Scale.Tests.Groups;

public class GroupIdTests
{
    [Fact]
    public async Task ConcurrentCreatesOnTwoNodesNeverShareAnIdAndTheSmallestFreeIdComesNext()
    {
        const int clientsPerNode = 5, createsPerClient = 40;
        // Each connection holds 40 groups here: this test is about ids, not the per-connection limit.
        await using var cluster = await Cluster.StartAsync(nodes: 2, new Dictionary<string, string?> { ["Chat:Limits:GroupsPerConnection"] = "100" });
        var clients = new List<ChatClient>();
        for (var i = 0; i < 2 * clientsPerNode; i++) clients.Add(await ChatClient.ConnectAsync(cluster[i % 2]));
        try
        {
            var created = await Task.WhenAll(clients.SelectMany((c, i) =>
                Enumerable.Range(0, createsPerClient).Select(n => CreateRetryingWhileBusyAsync(c, $"c{i}n{n}"))));
            var ids = created.Select(j => j.GroupId).ToList();
            Assert.Equal(Enumerable.Range(1, ids.Count), ids.Order());     // no id twice, no id skipped

            // Free 3 and 7 (their only members leave): the next creates, on either node, get 3, then 7, then a new id.
            foreach (var id in new[] { 7, 3 })
            {
                var owner = clients[created.ToList().FindIndex(j => j.GroupId == id) / createsPerClient];
                await owner.LeaveGroup(id);
            }
            Assert.Equal(3, (await clients[1].CreateGroup("again", "pw")).GroupId);
            Assert.Equal(7, (await clients[0].CreateGroup("again", "pw")).GroupId);
            Assert.Equal(ids.Count + 1, (await clients[1].CreateGroup("new", "pw")).GroupId);
            Assert.Equal(100, (await clients[0].ListGroups()).Length); // the list holds at most 100 of the 401
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
    }

    /// <summary>400 creates at once may find password hashing busy: like a client told to try again in a moment, it does.</summary>
    private static async Task<JoinedGroup> CreateRetryingWhileBusyAsync(ChatClient client, string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try { return await client.CreateGroup(name, "pw"); }
            catch (HubException e) when (e.Message.Contains("[Busy]") && DateTime.UtcNow < deadline) { }
        }
    }
}
