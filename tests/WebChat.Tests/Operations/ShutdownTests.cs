using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using WebChat.Groups;
using WebChat.Tests.Gateway;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Operations;

/// <summary>SIGTERM (what <c>docker stop</c> sends) to the published app while clients are connected.</summary>
[Collection(PublishedAppCollection.Name)]
public class ShutdownTests(PublishedApp published)
{
    [Fact]
    public async Task SigtermTellsConnectedHubAndTcpClientsAndExitsCleanlyWithinTheShutdownTimeout()
    {
        await using var node = await NodeProcess.StartAsync(published);
        await using var hadas = await ConnectAsync(node);
        await using var shoham = await ConnectAsync(node, reconnectAtOnce: true); // as a browser does
        var groupId = (await hadas.Connection.InvokeAsync<JoinedGroup>("CreateGroup", "Hadas", "12345")).GroupId;
        await shoham.Connection.InvokeAsync<JoinedGroup>("JoinGroup", groupId, "Shoham", "12345");

        await using var terminal = await TcpChatClient.ConnectAsync(node.TcpPort);
        await terminal.ExpectAsync(TcpChatClient.Menu);
        await terminal.JoinGroupAsync(groupId, "Terminal", "12345");

        // A client that never reads holds the goodbye for its full 3 s: the node is still up while the others retry.
        using var deaf = await ConnectDeafAsync(node);

        var elapsed = Stopwatch.StartNew();
        node.Terminate();

        var closed = await hadas.Closed.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Contains("Server is shutting down", closed?.Message);
        // The reconnecting client is told too, and its immediate retry does not land on the stopping node.
        var reconnecting = await shoham.Reconnecting.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Contains("Server is shutting down", reconnecting?.Message);
        await shoham.Closed.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(shoham.Reconnected.Task.IsCompleted, "The client reconnected to a node that is shutting down");
        // The TCP user is told in the gateway's words, then its socket is closed.
        var lastLines = await terminal.ReadUntilClosedAsync(TimeSpan.FromSeconds(8));
        Assert.Equal("Server is shutting down", lastLines[^1]);
        Assert.True(terminal.Closed);

        Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(8), $"Shutdown took {elapsed.Elapsed.TotalSeconds:F1} s");

        // The logs written during shutdown were flushed before the process ended.
        var output = node.Output;
        Assert.Contains("Application is shutting down", output);
        Assert.Equal(3, output.Split('\n').Count(l => l.Contains("Connection closed: hub")));
        Assert.Equal(1, output.Split('\n').Count(l => l.Contains("Connection closed: tcp")));
    }

    /// <summary>A raw WebSocket that completes the SignalR handshake and then never reads again.</summary>
    private static async Task<ClientWebSocket> ConnectDeafAsync(NodeProcess node)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{node.HttpPort}/hubs/chat"), CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e"), WebSocketMessageType.Text, true, CancellationToken.None);
        var handshake = await socket.ReceiveAsync(new byte[1024], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(WebSocketMessageType.Text, handshake.MessageType);
        return socket;
    }

    private sealed class Client(HubConnection connection) : IAsyncDisposable
    {
        public HubConnection Connection => connection;
        public TaskCompletionSource<Exception?> Closed { get; } = Signal();
        public TaskCompletionSource<Exception?> Reconnecting { get; } = Signal();
        public TaskCompletionSource<Exception?> Reconnected { get; } = Signal();
        public ValueTask DisposeAsync() => connection.DisposeAsync();
        private static TaskCompletionSource<Exception?> Signal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private static async Task<Client> ConnectAsync(NodeProcess node, bool reconnectAtOnce = false)
    {
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(node.BaseAddress, "/hubs/chat"), o => { o.Transports = HttpTransportType.WebSockets; o.SkipNegotiation = true; });
        if (reconnectAtOnce) builder.WithAutomaticReconnect([TimeSpan.Zero]);
        var client = new Client(builder.Build());
        client.Connection.Closed += e => { client.Closed.TrySetResult(e); return Task.CompletedTask; };
        client.Connection.Reconnecting += e => { client.Reconnecting.TrySetResult(e); return Task.CompletedTask; };
        client.Connection.Reconnected += _ => { client.Reconnected.TrySetResult(null); return Task.CompletedTask; };
        await client.Connection.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return client;
    }
}
