using StackExchange.Redis;
using WebChat.Scale.Tests.Infrastructure;
using WebChat.Store.Redis;

namespace WebChat.Scale.Tests.Store;

public class RedisScriptsTests
{
    [Fact]
    public async Task EveryLuaScriptCompilesOnARealRedis()
    {
        // Some scripts run only in rare moments (re-registering after an outage, removing ghosts), so a
        // typo in one would otherwise show up only then.
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var scripts = typeof(RedisScripts).GetProperties().Where(p => p.PropertyType == typeof(string)).ToList();
        Assert.True(scripts.Count >= 13);
        foreach (var script in scripts)
            Assert.NotEmpty(await server.ScriptLoadAsync((string)script.GetValue(null)!));
    }
}
