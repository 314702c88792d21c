using StackExchange.Redis;
using WebChat.Scale.Tests.Infrastructure;
using WebChat.Tests.Infrastructure;

namespace WebChat.Scale.Tests.Store;

public class RedisSecretsTests
{
    [Fact]
    public async Task PasswordIsStoredInRedisOnlyAsASaltedHash()
    {
        // Spaces cannot occur in a hash's base64, so no hash can contain this password by chance.
        const string password = "correct horse battery staple";
        await using var cluster = await Cluster.StartAsync(nodes: 2);
        await using var hadas = await ChatClient.ConnectAsync(cluster[0]);
        await using var shoham = await ChatClient.ConnectAsync(cluster[1]);
        var first = (await hadas.CreateGroup("Hadas", password)).GroupId;
        await shoham.CreateGroup("Shoham", password);
        await shoham.JoinGroup(first, "Noa", password);
        await hadas.Send(first, "hello");

        await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.Redis.ConnectionString);
        var values = await EveryValueAsync(connection);
        Assert.Contains(values, v => v.Contains("hello"));   // the scan does reach the groups' state
        Assert.DoesNotContain(values, v => v.Contains(password, StringComparison.OrdinalIgnoreCase));
        var hashes = values.Where(v => v.StartsWith("pbkdf2-sha256$", StringComparison.Ordinal)).Distinct().ToList();
        Assert.Equal(2, hashes.Count);      // one per group, and different: salted
    }

    /// <summary>Every key name and every value in the Redis, whatever its type.</summary>
    private static async Task<List<string>> EveryValueAsync(ConnectionMultiplexer connection)
    {
        var db = connection.GetDatabase();
        var values = new List<string>();
        await foreach (var key in connection.GetServer(connection.GetEndPoints()[0]).KeysAsync(pageSize: 1000))
        {
            values.Add(key!);
            switch (await db.KeyTypeAsync(key))
            {
                case RedisType.String: values.Add((await db.StringGetAsync(key))!); break;
                case RedisType.Hash: values.AddRange((await db.HashGetAllAsync(key)).SelectMany(e => new[] { (string)e.Name!, (string)e.Value! })); break;
                case RedisType.List: values.AddRange((await db.ListRangeAsync(key)).Select(v => (string)v!)); break;
                case RedisType.Set: values.AddRange((await db.SetMembersAsync(key)).Select(v => (string)v!)); break;
                case RedisType.SortedSet: values.AddRange((await db.SortedSetRangeByRankAsync(key)).Select(v => (string)v!)); break;
                case RedisType.Stream:
                    values.AddRange((await db.StreamRangeAsync(key)).SelectMany(e => e.Values).SelectMany(v => new[] { (string)v.Name!, (string)v.Value! }));
                    break;
                default: values.Add($"{key}: unexpected type"); break;
            }
        }
        return values;
    }
}
