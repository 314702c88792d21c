using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WebChat.Groups;
using WebChat.Scale.Tests.Infrastructure;
using WebChat.Store.Redis;

namespace WebChat.Scale.Tests.Store;

/// <summary>
/// The store contract against the Redis store on a real redis-server (one per test class; each test has keys
/// of its own). Events arrive as they do on a node: published by the scripts to the node's inbox channel.
/// </summary>
public sealed class RedisStoreContractTests(RedisStoreContractTests.Server server) : StoreContract, IClassFixture<RedisStoreContractTests.Server>
{
    protected override async Task<StoreUnderTest> StartAsync(ChatOptions options, RecordedEvents events)
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(server.Redis.ConnectionString);
        var nodeId = "node-" + Guid.NewGuid().ToString("N")[..8];
        options.NodeId = nodeId;
        var redisOptions = Options.Create(new RedisOptions { KeyPrefix = $"contract-{Guid.NewGuid():N}:" });
        var chat = Options.Create(options);
        var node = new RedisNode(connection, redisOptions, chat, NullLogger<RedisNode>.Instance);
        var store = new RedisGroupStore(node, chat);
        var inbox = new RedisInbox(node, store, events, new LocalMemberships(), NullLogger<RedisInbox>.Instance);
        await inbox.EnsureSubscribedAsync();
        Assert.True(await inbox.ProbeAsync(TimeSpan.FromSeconds(5)));
        node.IsReady = true;
        return new StoreUnderTest(store, nodeId, events, () => connection.DisposeAsync());
    }

    public sealed class Server : IAsyncLifetime
    {
        public RedisServer Redis { get; private set; } = null!;
        public async Task InitializeAsync() => Redis = await RedisServer.StartAsync();
        public async Task DisposeAsync() => await Redis.DisposeAsync();
    }
}
