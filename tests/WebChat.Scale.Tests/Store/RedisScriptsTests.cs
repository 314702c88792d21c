using StackExchange.Redis;
using WebChat.Scale.Tests.Infrastructure;
using WebChat.Store.Redis;

namespace WebChat.Scale.Tests.Store;

public class RedisScriptsTests
{
    [Fact]
    public async Task TheFunctionLibraryLoadsOnARealRedisWithEveryScript()
    {
        // Some scripts run only in rare moments (re-registering after an outage, removing ghosts), so a
        // typo in one would otherwise show up only then: loading the library compiles them all.
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var db = connection.GetDatabase();
        Assert.Equal($"webchat_{RedisScripts.Version}", (string?)await db.ExecuteAsync("FUNCTION", "LOAD", RedisScripts.Library));
        var listed = (RedisResult[])(await db.ExecuteAsync("FUNCTION", "LIST", "WITHCODE"))!;
        var library = (RedisResult[])listed.Single()!;
        var functions = (RedisResult[])library[Array.FindIndex(library, r => (string?)r == "functions") + 1]!;
        var names = functions.Select(f => (string)((RedisResult[])f!)[1]!).Order().ToList();
        Assert.Equal(RedisScripts.All.Order().ToList(), names);
        Assert.True(names.Count >= 18);
    }
}
