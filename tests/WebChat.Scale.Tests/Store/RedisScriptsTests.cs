using System.Text.Json;
using System.Text.Json.Nodes;
using StackExchange.Redis;
using WebChat.Scale.Tests.Infrastructure;
using WebChat.Store.Redis;

namespace WebChat.Scale.Tests.Store;

/// <summary>
/// The store's Lua scripts run straight on a real redis-server, without a node: what each one leaves in
/// Redis and what it publishes, so a change to a script shows here before it shows as a puzzle between nodes.
/// </summary>
public class RedisScriptsTests
{
    private const string Prefix = "t:";

    [Fact]
    public async Task EveryEmbeddedLuaScriptIsAFunctionOfTheLibraryAndTheLibraryLoadsOnARealRedis()
    {
        // Some scripts run only in rare moments (re-registering after an outage, removing ghosts), so a
        // typo in one would otherwise show up only then: loading the library compiles them all.
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = connection.GetDatabase();
        Assert.Equal($"webchat_{RedisScripts.Version}", (string?)await db.ExecuteAsync("FUNCTION", "LOAD", RedisScripts.Library));
        var listed = (RedisResult[])(await db.ExecuteAsync("FUNCTION", "LIST"))!;
        var library = (RedisResult[])listed.Single()!;
        var functions = (RedisResult[])library[Array.FindIndex(library, r => (string?)r == "functions") + 1]!;
        var loaded = functions.Select(f => (string)((RedisResult[])f!)[1]!).Order().ToList();
        Assert.Equal(RedisScripts.All.Order().ToList(), loaded);

        const string resourcePrefix = "WebChat.Store.Redis.Scripts.";
        var embedded = typeof(RedisScripts).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(resourcePrefix) && n.EndsWith(".lua"))
            .Select(n => n[resourcePrefix.Length..^".lua".Length])
            .Where(n => n != "common")      // the helpers every function shares, not one itself
            .Order()
            .ToList();
        Assert.Equal(embedded, loaded.Select(n => n[$"webchat_{RedisScripts.Version}_".Length..]).Order().ToList());
        foreach (var name in embedded)
            Assert.True(typeof(RedisScripts).GetProperties().Any(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)),
                $"{name}.lua is embedded but RedisScripts does not offer it");
    }

    [Fact]
    public async Task CreateJoinAndMessageNumberTheGroupsEventsKeepTheHistoryAndPublishToEachNodeOfTheGroup()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = connection.GetDatabase();
        var inboxA = await connection.GetSubscriber().SubscribeAsync(RedisChannel.Literal(Prefix + "inbox:nodeA"));
        var inboxB = await connection.GetSubscriber().SubscribeAsync(RedisChannel.Literal(Prefix + "inbox:nodeB"));

        // create: the smallest free id, the group's hash, the creator as first member, Joined as event 1.
        var created = (RedisResult[])(await Run(db, RedisScripts.Create, "epoch1", "pbkdf2-sha256$1000$salt$hash", Member("m1", "Hadas", "nodeA"), "10.0.0.1", 100, 100))!;
        Assert.Equal(1, (int)created[0]);
        Assert.Equal(["Hadas"], (string[])created[1]!);
        Assert.Equal("epoch1", (string?)await db.HashGetAsync(Prefix + "g:1", "epoch"));
        Assert.Equal("pbkdf2-sha256$1000$salt$hash", (string?)await db.HashGetAsync(Prefix + "g:1", "pw"));
        var joined = await NextAsync(inboxA);
        Assert.Equal(("Joined", 1, 1L, "Hadas"), (Kind(joined), Group(joined), Seq(joined), User(joined)));
        Assert.Equal(2, (int)((RedisResult[])(await Run(db, RedisScripts.Create, "epoch2", "h", Member("m9", "Other", "nodeA"), "10.0.0.1", 100, 100))!)[0]);
        await NextAsync(inboxA);

        // join: refused for another lifetime of the id and for a name taken in any case; else event 2,
        // published to both nodes now that nodeB has a member.
        Assert.Equal(0, (int)((RedisResult[])(await Run(db, RedisScripts.Join, 1, "old-epoch", Member("m2", "Shoham", "nodeB")))!)[0]);
        Assert.Equal(-1, (int)((RedisResult[])(await Run(db, RedisScripts.Join, 1, "epoch1", Member("m2", "HADAS", "nodeB")))!)[0]);
        var join = (RedisResult[])(await Run(db, RedisScripts.Join, 1, "epoch1", Member("m2", "Shoham", "nodeB")))!;
        Assert.Equal(1, (int)join[0]);
        Assert.Equal(["Hadas", "Shoham"], (string[])join[1]!);
        Assert.Empty((RedisResult[])join[2]!);
        Assert.Equal(2, Seq(await NextAsync(inboxA)));
        Assert.Equal(2, Seq(await NextAsync(inboxB)));

        // message: only from a member, through the connection that holds it; numbered, published to every node of
        // the group, history capped.
        Assert.Equal(0, (int)await Run(db, RedisScripts.Message, 1, "stranger", "conn-stranger", "hi", "2026-11-24T10:00:00.0000000Z", 2, 1000));
        Assert.Equal(0, (int)await Run(db, RedisScripts.Message, 1, "m1", "conn-m2", "hi", "2026-11-24T10:00:00.0000000Z", 2, 1000));
        for (var i = 1; i <= 3; i++)
            await Run(db, RedisScripts.Message, 1, "m1", "conn-m1", $"text {i}", "2026-11-24T10:00:00.0000000Z", 2, 1000);
        for (var i = 1; i <= 3; i++)
        {
            var a = await NextAsync(inboxA);
            var b = await NextAsync(inboxB);
            Assert.Equal(("Message", 2L + i, $"text {i}", "Hadas"), (Kind(a), Seq(a), (string?)a["t"], User(a)));
            Assert.Equal(a.ToJsonString(), b.ToJsonString());
        }
        Assert.Equal(["text 2", "text 3"], (await History(db, 1)).Select(h => h.Text));
        // The live groups, largest first (group 1 has two members).
        Assert.Equal([1L, 2L], (await db.SortedSetRangeByRankAsync(Prefix + "groups", order: Order.Descending)).Select(v => (long)v));
    }

    [Fact]
    public async Task RemovingTheLastMemberPublishesItsLeaveDeletesTheGroupAndFreesTheSmallestId()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = connection.GetDatabase();
        var inbox = await connection.GetSubscriber().SubscribeAsync(RedisChannel.Literal(Prefix + "inbox:nodeA"));
        for (var i = 1; i <= 3; i++) await Run(db, RedisScripts.Create, $"e{i}", "h", Member($"m{i}", "Hadas", "nodeA"), "10.0.0.1", 100, 100);
        await Run(db, RedisScripts.Join, 2, "e2", Member("m4", "Shoham", "nodeA"));
        for (var i = 0; i < 4; i++) await NextAsync(inbox);

        Assert.Equal((1, 0, ""), Removed(await Run(db, RedisScripts.Remove, 2, "m4", 0)));
        var left = await NextAsync(inbox);
        Assert.Equal(("Left", 2, "Shoham"), (Kind(left), Group(left), User(left)));
        Assert.Null(left["x"]);
        Assert.Equal((0, 0, ""), Removed(await Run(db, RedisScripts.Remove, 2, "m4", 0)));    // already gone

        Assert.Equal((1, 1, ""), Removed(await Run(db, RedisScripts.Remove, 2, "m2", 0)));
        var last = await NextAsync(inbox);
        Assert.Equal(("Left", 1), (Kind(last), (int?)last["x"]));
        Assert.Empty(await connection.GetServer(connection.GetEndPoints()[0]).KeysAsync(pattern: Prefix + "g:2*").ToListAsync());
        Assert.Equal([1L, 3L], (await db.SortedSetRangeByRankAsync(Prefix + "groups", order: Order.Descending)).Select(v => (long)v));

        Assert.Equal(2, (int)((RedisResult[])(await Run(db, RedisScripts.Create, "e4", "h", Member("m5", "Noa", "nodeA"), "10.0.0.1", 100, 100))!)[0]);
        Assert.Equal(4, (int)((RedisResult[])(await Run(db, RedisScripts.Create, "e5", "h", Member("m6", "Noa", "nodeA"), "10.0.0.1", 100, 100))!)[0]);
    }

    [Fact]
    public async Task RestoringMembersWhoseGroupIdNowBelongsToANewerGroupPublishesTheirLeavesInTheOldGroupsStreamToTheirNodeOnly()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = connection.GetDatabase();
        var inboxA = await connection.GetSubscriber().SubscribeAsync(RedisChannel.Literal(Prefix + "inbox:nodeA"));
        var inboxB = await connection.GetSubscriber().SubscribeAsync(RedisChannel.Literal(Prefix + "inbox:nodeB"));
        // While Redis was away (and lost its data), nodeB created a new group 1.
        await Run(db, RedisScripts.Create, "new-epoch", "h", Member("m9", "Bar", "nodeB"), "10.0.0.1", 100, 100);
        await NextAsync(inboxB);

        // nodeA comes back with two members of the old group 1, whose event 7 it saw last.
        var r = (long[])(await Run(db, RedisScripts.Restore, 1, "old-epoch", "h", 7, "nodeA",
            Member("m1", "Hadas", "nodeA"), Member("m2", "Noa", "nodeA")))!;
        Assert.Equal([-1L, 9L], r);
        var first = await NextAsync(inboxA);
        var second = await NextAsync(inboxA);
        Assert.Equal(("Left", 1, 8L, "old-epoch", "Hadas", "conn-m1"), (Kind(first), Group(first), Seq(first), (string?)first["e"], User(first), (string?)first["c"]));
        Assert.Null(first["x"]);
        Assert.Equal(("Left", 9L, "Noa", 1), (Kind(second), Seq(second), User(second), (int?)second["x"]));

        // The new group is untouched, and its node heard nothing.
        Assert.Equal(["Bar"], (string[])(await Run(db, RedisScripts.Names, 1))!);
        Assert.Equal("new-epoch", (string?)await db.HashGetAsync(Prefix + "g:1", "epoch"));
        Assert.Equal(1L, (long)await db.HashGetAsync(Prefix + "g:1", "seq"));
        await Run(db, RedisScripts.Message, 1, "m9", "conn-m9", "marker", "2026-11-24T10:00:00.0000000Z", 10, 1000);
        Assert.Equal("marker", (string?)(await NextAsync(inboxB))["t"]);
    }

    [Fact]
    public async Task AMessageEventCarriesAnyTextAndNameExactlyAndTheHistoryKeepsItsCountAndByteCaps()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = connection.GetDatabase();
        var inbox = await connection.GetSubscriber().SubscribeAsync(RedisChannel.Literal(Prefix + "inbox:nodeA"));
        const string name = "Ná 12:3 \"x\"";
        await Run(db, RedisScripts.Create, "e1", "h", Member("m1", name, "nodeA"), "10.0.0.1", 100, 100);
        await Run(db, RedisScripts.Join, 1, "e1", Member("m2", "Noa", "nodeA"));
        await NextAsync(inbox);
        await NextAsync(inbox);

        // Whatever the text holds (quotes, backslashes, newlines, colons, digits, emoji), it arrives as it was sent.
        const string text = "9:\"quoted\" \\ back\nslash {\"k\":1} שלום 🎉 M12 3";
        var returned = WireEvent.Parse((byte[])(await Run(db, RedisScripts.Message, 1, "m1", "conn-m1", text, "2026-11-24T10:00:00.0000000Z", 3, 1000))!);
        var published = await NextAsync(inbox);
        Assert.Equal(("Message", 1, 3L, "e1", name, "Hub", "conn-m1", text, "2026-11-24T10:00:00.0000000Z"),
            (returned.Kind, returned.GroupId, returned.Seq, returned.Epoch, returned.UserName, returned.Door, returned.ConnectionId, returned.Text, returned.SentAt));
        Assert.Equal(JsonSerializer.SerializeToNode(returned)!.ToJsonString(), published.ToJsonString());

        // 3 messages at most, and at most 1000 bytes of text (UTF-8): 60 messages later the history is the last 3,
        // a 990-byte one then leaves room for only one more small one, and one larger than the limit empties it.
        for (var i = 1; i <= 60; i++)
            await Run(db, RedisScripts.Message, 1, "m2", "conn-m2", $"é {i}", "2026-11-24T10:00:00.0000000Z", 3, 1000);
        Assert.Equal(["é 58", "é 59", "é 60"], (await History(db, 1)).Select(h => h.Text));
        Assert.Equal(3 * 5, (long)await db.HashGetAsync(Prefix + "g:1", "hb"));
        var joined = (RedisResult[])(await Run(db, RedisScripts.Join, 1, "e1", Member("m3", "Bar", "nodeA")))!;
        Assert.Equal(["é 58", "é 59", "é 60"], RedisGroupStore.History(joined[2], 0).Select(m => m.Text));
        var big = new string('x', 990);
        await Run(db, RedisScripts.Message, 1, "m2", "conn-m2", big, "2026-11-24T10:00:00.0000000Z", 3, 1000);
        await Run(db, RedisScripts.Message, 1, "m2", "conn-m2", "ééé", "2026-11-24T10:00:00.0000000Z", 3, 1000);
        Assert.Equal([big, "ééé"], (await History(db, 1)).Select(h => h.Text));
        await Run(db, RedisScripts.Message, 1, "m2", "conn-m2", new string('y', 1001), "2026-11-24T10:00:00.0000000Z", 3, 1000);
        Assert.Empty(await History(db, 1));
        Assert.Equal(0, (long)await db.HashGetAsync(Prefix + "g:1", "hb"));
        Assert.Equal(0, await db.ListLengthAsync(Prefix + "g:1:h"));
        await Run(db, RedisScripts.Message, 1, "m2", "conn-m2", "after", "2026-11-24T10:00:00.0000000Z", 3, 1000);
        Assert.Equal(["after"], (await History(db, 1)).Select(h => h.Text));
    }

    [Fact]
    public async Task ThrottleCountsWrongPasswordsPerAddressOverASlidingMinute()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = connection.GetDatabase();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, (int)await Run(db, RedisScripts.Throttle, "10.0.0.1", "check", 3));
            await Run(db, RedisScripts.Throttle, "10.0.0.1", "record", 3);
        }
        Assert.Equal(1, (int)await Run(db, RedisScripts.Throttle, "10.0.0.1", "check", 3));
        Assert.Equal(0, (int)await Run(db, RedisScripts.Throttle, "10.0.0.2", "check", 3));   // per address
        var ttl = await db.KeyTimeToLiveAsync(Prefix + "pwfail:10.0.0.1");
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(60));      // gone after a minute
    }

    /// <summary>Calls a function of the store's library, loading the library first if this Redis does not have it yet.</summary>
    private static async Task<RedisResult> Run(IDatabase db, string function, params RedisValue[] args)
    {
        object[] call = [function, 0, Prefix, .. args.Select(a => (object)a)];
        try { return await db.ExecuteAsync("FCALL", call); }
        catch (RedisServerException ex) when (ex.Message.Contains("Function not found"))
        {
            await db.ExecuteAsync("FUNCTION", "LOAD", RedisScripts.Library);
            return await db.ExecuteAsync("FCALL", call);
        }
    }

    private static (int Removed, int Deleted, string NewOwner) Removed(RedisResult r)
    {
        var parts = (RedisResult[])r!;
        return ((int)parts[0], (int)parts[1], (string)parts[2]!);
    }

    private static string Member(string id, string name, string node) => JsonSerializer.Serialize(new
    {
        i = id, n = name, k = WebChat.Groups.Rules.NameKey(name), d = "Hub", c = "conn-" + id, o = node, v = 1,
    });

    /// <summary>The next event on the inbox, read as a node reads it, with its wire names (k, g, s, e, u, d, c, t, a, x...).</summary>
    private static async Task<JsonNode> NextAsync(ChannelMessageQueue inbox)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return JsonSerializer.SerializeToNode(WireEvent.Parse((byte[])(await inbox.ReadAsync(cts.Token)).Message!))!;
    }

    private static async Task<List<WireEvent>> History(IDatabase db, int groupId) =>
        (await db.ListRangeAsync(Prefix + "g:" + groupId + ":h")).Select(v => WireEvent.Parse((byte[])v!)).ToList();

    private static string? Kind(JsonNode e) => (string?)e["k"];
    private static int Group(JsonNode e) => (int)e["g"]!;
    private static long Seq(JsonNode e) => (long)e["s"]!;
    private static string? User(JsonNode e) => (string?)e["u"];
}
