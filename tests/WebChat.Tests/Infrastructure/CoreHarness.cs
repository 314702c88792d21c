using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using WebChat.Groups;

namespace WebChat.Tests.Infrastructure;

/// <summary>The group core, the in-memory store and the real dispatcher, with a sink that records what a door would deliver.</summary>
public sealed class CoreHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public CoreHarness(IDictionary<string, string?>? settings = null)
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Chat:PasswordHashIterations"] = "1000",
                ["Chat:Limits:JoinsPerMinute"] = "100000",
                ["Chat:Limits:GroupsPerAddress"] = "100000",
            })
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(config);
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddChatCore();
        services.AddSingleton<IGroupEventSink>(Sink);
        _services = services.BuildServiceProvider();
        Groups = _services.GetRequiredService<ChatGroups>();
    }

    public ChatGroups Groups { get; }
    public RecordingSink Sink { get; } = new();

    /// <summary>A service of the core, e.g. its store, to look at its state.</summary>
    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    public static Member Caller(string connectionId, string address = "10.0.0.1", Door door = Door.Hub) => new(door, connectionId, address);

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}

public sealed class RecordingSink : IGroupEventSink
{
    private readonly ConcurrentQueue<GroupEvent> _events = new();
    private int _count;

    public void Deliver(ReadOnlySpan<GroupEvent> events)
    {
        foreach (var e in events)
        {
            _events.Enqueue(e);
            Interlocked.Increment(ref _count);
        }
    }

    public IReadOnlyList<GroupEvent> Events => _events.ToArray();

    public async Task WaitForCountAsync(int count, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (Volatile.Read(ref _count) < count)
            await Task.Delay(10, cts.Token);
    }
}
