using System.Diagnostics;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using WebChat.Groups;

namespace WebChat.Tests.Operations;

/// <summary>SIGTERM (what <c>docker stop</c> sends) to the published app while clients are connected.</summary>
[Collection(PublishedAppCollection.Name)]
public class ShutdownTests(PublishedApp published)
{
    [Fact]
    public async Task SigtermTellsConnectedHubClientsAndExitsCleanlyWithinTheShutdownTimeout()
    {
        await using var node = await NodeProcess.StartAsync(published);
        await using var hadas = await ConnectAsync(node);
        await using var shoham = await ConnectAsync(node);
        var groupId = (await hadas.Connection.InvokeAsync<JoinedGroup>("CreateGroup", "Hadas", "12345")).GroupId;
        await shoham.Connection.InvokeAsync<JoinedGroup>("JoinGroup", groupId, "Shoham", "12345");

        var elapsed = Stopwatch.StartNew();
        node.Terminate();

        foreach (var client in new[] { hadas, shoham })
        {
            var closed = await client.Closed.Task.WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Contains("Server is shutting down", closed?.Message);
        }
        Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(8), $"Shutdown took {elapsed.Elapsed.TotalSeconds:F1} s");

        // The logs written during shutdown were flushed before the process ended.
        var output = node.Output;
        Assert.Contains("Application is shutting down", output);
        Assert.Equal(2, output.Split('\n').Count(l => l.Contains("Connection closed: hub")));
    }

    private sealed record Client(HubConnection Connection, TaskCompletionSource<Exception?> Closed) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Connection.DisposeAsync();
    }

    private static async Task<Client> ConnectAsync(NodeProcess node)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(node.BaseAddress, "/hubs/chat"), o => { o.Transports = HttpTransportType.WebSockets; o.SkipNegotiation = true; })
            .Build();
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };
        await connection.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return new Client(connection, closed);
    }
}
