using Microsoft.Extensions.Options;
using WebChat.Groups;
using WebChat.Store;

namespace WebChat.Scale.Tests.Store;

/// <summary>The store contract against the in-memory store.</summary>
public sealed class InMemoryStoreContractTests : StoreContract
{
    protected override Task<StoreUnderTest> StartAsync(ChatOptions options, RecordedEvents events)
    {
        var store = new InMemoryGroupStore(events, Options.Create(options));
        return Task.FromResult(new StoreUnderTest(store, "node-1", events, () =>
        {
            store.Dispose();
            return ValueTask.CompletedTask;
        }));
    }
}
