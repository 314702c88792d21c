using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Reliability;

/// <summary>Hostile or broken hub calls get a clear error; the server goes on serving everyone else.</summary>
public class HubBadInputTests
{
    [Fact]
    public async Task WrongTypesNullsAndUnknownMethodsAreRefusedAndTheConnectionStays()
    {
        await using var app = new WebChatApplication();
        await using var bad = await ChatClient.ConnectAsync(app);

        await Assert.ThrowsAsync<HubException>(() => bad.Connection.InvokeAsync<object>("JoinGroup", "one", "Name", "pw"));
        await Assert.ThrowsAsync<HubException>(() => bad.Connection.InvokeAsync<object>("JoinGroup", 1));
        await Assert.ThrowsAsync<HubException>(() => bad.Connection.InvokeAsync<object>("NoSuchMethod", 1, 2));
        await Assert.ThrowsAsync<HubException>(() => bad.Connection.InvokeAsync<object>("SendMessage", 1, new { nested = new[] { 1, 2 } }));
        Assert.Contains("name", (await Assert.ThrowsAsync<HubException>(() => bad.Connection.InvokeAsync<object>("CreateGroup", null, null))).Message);
        Assert.Contains("not valid", (await Assert.ThrowsAsync<HubException>(() => bad.Connection.InvokeAsync<object>("Rejoin", null, 0L))).Message);
        Assert.Contains("There is no group with id -5", (await Assert.ThrowsAsync<HubException>(() => bad.JoinGroup(-5, "N", "pw"))).Message);
        Assert.Contains("not a member", (await Assert.ThrowsAsync<HubException>(() => bad.Send(int.MaxValue, "x"))).Message);

        // Still connected and useful.
        Assert.Equal(HubConnectionState.Connected, bad.Connection.State);
        Assert.Equal(1, (await bad.CreateGroup("Fine", "pw")).GroupId);
    }

    [Fact]
    public async Task AnOversizedFrameClosesOnlyThatConnection()
    {
        await using var app = new WebChatApplication();
        await using var good = await ChatClient.ConnectAsync(app);
        await using var other = await ChatClient.ConnectAsync(app);
        var g = (await good.CreateGroup("Good", "pw")).GroupId;
        await other.JoinGroup(g, "Other", "pw");

        await using var huge = await ChatClient.ConnectAsync(app);
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        huge.Connection.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };
        _ = huge.Connection.SendAsync("SendMessage", g, new string('x', 200_000));
        var reason = await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("closed the connection", reason?.Message ?? "");

        await other.Send(g, "still here");
        Assert.Equal("still here", (await good.NextMessageAsync()).Text);
    }

    [Fact]
    public async Task PasswordGuessingFromManyConnectionsOfOneAddressIsThrottled()
    {
        await using var app = new WebChatApplication();
        await using var owner = await ChatClient.ConnectAsync(app);
        var g = (await owner.CreateGroup("Owner", "correct horse")).GroupId;

        var guessers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => ChatClient.ConnectAsync(app)));
        try
        {
            // One guess from each of 20 connections of the same address, all at once: the allowance is the
            // address's, not the connection's, and racing guesses cannot slip past it.
            var outcomes = await Task.WhenAll(guessers.Select((c, i) => Assert.ThrowsAsync<HubException>(() => c.JoinGroup(g, $"G{i}", $"guess{i}"))));
            Assert.Equal(5, outcomes.Count(e => e.Message.Contains("Wrong password")));
            Assert.Equal(15, outcomes.Count(e => e.Message.Contains("Too many wrong passwords")));
        }
        finally
        {
            foreach (var c in guessers) await c.DisposeAsync();
        }
    }
}
