using Microsoft.Extensions.DependencyInjection;
using WebChat.Groups;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Hubs;

/// <summary>
/// A busy node hands the hub sink runs of many events, and each connection gets its share of a run as
/// one write (several hub messages in one frame). Clients on both protocols must still see every event
/// once, in order, never their own messages.
/// </summary>
public class BatchedDeliveryTests
{
    /// <summary>Holds the dispatcher on the first message until released, so the events behind it queue up into runs.</summary>
    private sealed class GateSink : IGroupEventSink
    {
        private readonly ManualResetEventSlim _gate = new(false);
        private int _closedOnce;
        public int LongestRun;

        public void Deliver(ReadOnlySpan<GroupEvent> events)
        {
            if (events.Length > LongestRun) LongestRun = events.Length;
            foreach (var e in events)
                if (e.Kind == GroupEventKind.Message && Interlocked.Exchange(ref _closedOnce, 1) == 0)
                    _gate.Wait(TimeSpan.FromSeconds(20));
        }

        public void Open() => _gate.Set();
    }

    [Fact]
    public async Task RunsOfEventsReachJsonAndMessagePackClientsOnceInOrderWithoutTheirOwn()
    {
        var gate = new GateSink();
        await using var app = new WebChatApplication(
            new Dictionary<string, string?> { ["Chat:Limits:MessagesPerSecond"] = "10000", ["Chat:Limits:MessageBurst"] = "10000" },
            services => services.AddSingleton<IGroupEventSink>(gate));
        await using var hadas = await ChatClient.ConnectAsync(app);
        await using var shoham = await ChatClient.ConnectAsync(app);
        await using var packed = await ChatClient.ConnectAsync(app, b => b.AddMessagePackProtocol());
        await using var late = await ChatClient.ConnectAsync(app, b => b.AddMessagePackProtocol());

        var g = (await hadas.CreateGroup("Hadas", "pw")).GroupId;
        await shoham.JoinGroup(g, "Shoham", "pw");
        await packed.JoinGroup(g, "Packed", "pw");
        Assert.Equal(new HeardJoined(g, "Shoham"), await hadas.Heard.NextAsync());
        Assert.Equal(new HeardJoined(g, "Packed"), await hadas.Heard.NextAsync());
        Assert.Equal(new HeardJoined(g, "Packed"), await shoham.Heard.NextAsync());

        // The first message closes the gate behind it; everything after it waits in the dispatcher.
        var sent = new List<ChatMessage> { (await hadas.Send(g, "first"))! };
        for (var i = 0; i < 40; i++)
        {
            sent.Add((await hadas.Send(g, $"hadas {i}"))!);
            if (i % 7 == 3) sent.Add((await shoham.Send(g, $"shoham {i}"))!);
        }
        var joined = await late.JoinGroup(g, "Late", "pw");
        sent.Add((await shoham.Send(g, "after late joined"))!);
        await packed.LeaveGroup(g);
        sent.Add((await hadas.Send(g, "after packed left"))!);
        gate.Open();

        // What each member must hear, in stream order: every later event but its own.
        var lateJoinedAt = sent.FindIndex(m => m.Text == "after late joined");
        var packedLeftAt = sent.FindIndex(m => m.Text == "after packed left");
        Heard[] Expected(string name, int from, int until)
        {
            var heard = new List<Heard>();
            for (var i = from; i < until; i++)
            {
                if (i == lateJoinedAt && name != "Late") heard.Add(new HeardJoined(g, "Late"));
                if (i == packedLeftAt && name != "Packed") heard.Add(new HeardLeft(g, "Packed"));
                if (sent[i].Sender != name) heard.Add(new HeardMessage(sent[i]));
            }
            return [.. heard];
        }

        await AssertHeard(hadas, Expected("Hadas", 0, sent.Count));
        await AssertHeard(shoham, Expected("Shoham", 0, sent.Count));
        await AssertHeard(packed, Expected("Packed", 0, packedLeftAt));
        Assert.Equal(sent.Take(lateJoinedAt).TakeLast(joined.History.Length).Select(m => m.Id), joined.History.Select(m => m.Id));
        await AssertHeard(late, Expected("Late", lateJoinedAt, sent.Count));
        Assert.True(gate.LongestRun > 1, $"the dispatcher never handed over a run (longest {gate.LongestRun})");
        Assert.True(gate.LongestRun <= GroupEventDispatcher.MaxRun);
    }

    private static async Task AssertHeard(ChatClient client, Heard[] expected)
    {
        var heard = await client.Heard.TakeAsync(expected.Length);
        Assert.Equal(expected.Select(Describe), heard.Select(Describe));
    }

    private static string Describe(Heard h) => h switch
    {
        HeardMessage m => $"message {m.Message.Id} {m.Message.Sender}: {m.Message.Text}",
        _ => h.ToString(),
    };
}
