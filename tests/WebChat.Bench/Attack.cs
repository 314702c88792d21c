using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace WebChat.Bench;

/// <summary>
/// <c>WebChat.Bench attack</c>: the hub attacks a new user could write in an afternoon with the official SignalR
/// client, run one after the other against a running server at its default limits, each from its own loopback
/// address. For each it prints the server's CPU (from /proc/PID/stat, in % of one core over the attack), its RSS
/// before and after, and what the server answered, by refusal kind.
/// </summary>
public static partial class Attack
{
    public const string Usage = """
        WebChat.Bench attack --target HOST:PORT --server-pid PID [--seconds 30] [--from 127.0.0.20]
          After a short warm-up (one group, ten messages), runs four hub attacks against a server at its default limits,
          each from its own address (--from, then .21, .22, .24; .23 is the bystander, .25 the warm-up):
          churn  3 connections loop CreateGroup + LeaveGroup for --seconds
          fill   1 connection creates as many groups as it may, then sends each 100 messages of 2000 emoji, retrying refusals
          taken  1 connection loops JoinGroup with a name already taken in a bystander's group for --seconds
          list   1 connection loops ListGroups (a call that is never refused) for --seconds
        """;

    private sealed record Phase(string Name, double CpuPercent, double Seconds, long RssBeforeKiB, long RssAfterKiB, long PeakRssKiB,
        long Accepted, IReadOnlyDictionary<string, long> Refused);

    public static async Task<int> RunAsync(string[] args)
    {
        string? target = null, from = "127.0.0.20";
        int pid = 0, seconds = 30;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--target": target = args[++i]; break;
                case "--server-pid": pid = int.Parse(args[++i]); break;
                case "--seconds": seconds = int.Parse(args[++i]); break;
                case "--from": from = args[++i]; break;
                case "-h" or "--help": Console.WriteLine(Usage); return 0;
                default: Console.Error.WriteLine($"error: unknown argument {args[i]}\n{Usage}"); return 2;
            }
        }
        if (target is null || pid <= 0 || !ProcStats.Exists(pid))
        {
            Console.Error.WriteLine($"error: --target and the --server-pid of a running server are required\n{Usage}");
            return 2;
        }
        var hub = new Uri($"http://{target}/hubs/chat");
        var first = IPAddress.Parse(from).GetAddressBytes();
        string Address(int n) { var b = (byte[])first.Clone(); b[3] += (byte)n; return new IPAddress(b).ToString(); }
        var duration = TimeSpan.FromSeconds(seconds);

        // What any first use costs (JIT, thread pool, the first connections and hash): not part of an attack.
        await WarmUpAsync(hub, Address(5));
        var phases = new List<Phase>
        {
            await MeasureAsync("churn", pid, tally => ChurnAsync(hub, Address(0), duration, tally)),
            await MeasureAsync("fill", pid, tally => FillAsync(hub, Address(1), TimeSpan.FromSeconds(Math.Max(seconds, 60)), tally)),
            await MeasureAsync("taken", pid, tally => TakenAsync(hub, Address(2), Address(3), duration, tally)),
            await MeasureAsync("list", pid, tally => ListAsync(hub, Address(4), duration, tally)),
        };

        Console.WriteLine();
        Console.WriteLine($"{"attack",-6} {"seconds",7} {"server CPU %",12} {"RSS before",11} {"RSS after",10} {"RSS peak",9} {"accepted",8}  refused by kind");
        foreach (var p in phases)
            Console.WriteLine($"{p.Name,-6} {p.Seconds,7:0.0} {p.CpuPercent,12:0.0} {Mib(p.RssBeforeKiB),11} {Mib(p.RssAfterKiB),10} {Mib(p.PeakRssKiB),9} {p.Accepted,8}  "
                + string.Join(", ", p.Refused.OrderByDescending(k => k.Value).Select(k => $"{k.Key} {k.Value}")));
        return 0;
    }

    private static string Mib(long kib) => kib < 0 ? "?" : $"{kib / 1024.0:0.0} MiB";

    private static async Task<Phase> MeasureAsync(string name, int pid, Func<Tally, Task> attack)
    {
        var tally = new Tally();
        var before = ProcStats.ReadMem(pid)?.RssKiB ?? -1;
        var cpu0 = ProcStats.CpuSeconds(pid);
        using var sampler = new RssSampler(pid);
        var clock = Stopwatch.StartNew();
        Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {name} ...");
        await attack(tally);
        var wall = clock.Elapsed.TotalSeconds;
        var cpu = (ProcStats.CpuSeconds(pid) - cpu0) / wall * 100;
        sampler.Sample();
        var after = ProcStats.ReadMem(pid)?.RssKiB ?? -1;
        var phase = new Phase(name, cpu, wall, before, after, sampler.PeakRssKiB, tally.Accepted, tally.Refused.ToDictionary());
        Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {name}: {cpu:0.0}% of a core, RSS {Mib(before)} -> {Mib(after)}, accepted {tally.Accepted}, refused "
            + string.Join(", ", phase.Refused.Select(k => $"{k.Key} {k.Value}")));
        return phase;
    }

    /// <summary>Three connections, each creating a group and leaving it again, as fast as the server answers.</summary>
    private static async Task ChurnAsync(Uri hub, string from, TimeSpan duration, Tally tally)
    {
        var connections = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => ConnectAsync(hub, from)));
        var end = DateTime.UtcNow + duration;
        await Task.WhenAll(connections.Select(async c =>
        {
            while (DateTime.UtcNow < end)
            {
                var joined = await tally.TryAsync(() => c.InvokeAsync<Joined>("CreateGroup", "Churner", "pw"));
                if (joined is not null) await tally.TryAsync(async () => { await c.InvokeAsync("LeaveGroup", joined.GroupId); return (object)true; });
            }
        }));
        foreach (var c in connections) await c.DisposeAsync();
    }

    /// <summary>One connection: as many groups as the server lets it create, then 100 messages of 2000 emoji in each.</summary>
    private static async Task FillAsync(Uri hub, string from, TimeSpan limit, Tally tally)
    {
        var c = await ConnectAsync(hub, from);
        var groups = new List<int>();
        for (var refusedInARow = 0; refusedInARow < 20;)
        {
            var joined = await tally.TryAsync(() => c.InvokeAsync<Joined>("CreateGroup", "Filler", "pw"));
            if (joined is null) refusedInARow++;
            else { groups.Add(joined.GroupId); refusedInARow = 0; }
        }
        var text = string.Concat(Enumerable.Repeat("😀", 2000));
        var end = DateTime.UtcNow + limit;
        // A persistent attacker retries every refused message until each group has had its 100.
        await Task.WhenAll(groups.Select(async g =>
        {
            for (var sent = 0; sent < 100 && DateTime.UtcNow < end;)
                if (await tally.TryAsync(async () => await c.InvokeAsync<object?>("SendMessage", g, text) ?? "ignored") is not null) sent++;
        }));
        Console.Error.WriteLine($"  fill: {groups.Count} groups");
        await c.DisposeAsync();
    }

    /// <summary>A bystander's group, and one connection trying to join it under the bystander's name in a loop.</summary>
    private static async Task TakenAsync(Uri hub, string from, string bystanderFrom, TimeSpan duration, Tally tally)
    {
        await using var bystander = await ConnectAsync(hub, bystanderFrom);
        var group = (await bystander.InvokeAsync<Joined>("CreateGroup", "Bystander", "pw")).GroupId;
        await using var c = await ConnectAsync(hub, from);
        var end = DateTime.UtcNow + duration;
        while (DateTime.UtcNow < end)
            await tally.TryAsync(() => c.InvokeAsync<Joined>("JoinGroup", group, "Bystander", "pw"));
    }

    private static async Task WarmUpAsync(Uri hub, string from)
    {
        await using var a = await ConnectAsync(hub, from);
        await using var b = await ConnectAsync(hub, from);
        var g = (await a.InvokeAsync<Joined>("CreateGroup", "Warm", "pw")).GroupId;
        await b.InvokeAsync<Joined>("JoinGroup", g, "Up", "pw");
        for (var i = 0; i < 10; i++) await a.InvokeAsync<object>("SendMessage", g, $"warming up {i}");
        await a.InvokeAsync("LeaveGroup", g);
        await b.InvokeAsync("LeaveGroup", g);
    }

    /// <summary>One connection calling ListGroups in a loop: what any call costs the server, refused or not.</summary>
    private static async Task ListAsync(Uri hub, string from, TimeSpan duration, Tally tally)
    {
        await using var c = await ConnectAsync(hub, from);
        var end = DateTime.UtcNow + duration;
        while (DateTime.UtcNow < end)
            await tally.TryAsync(() => c.InvokeAsync<object>("ListGroups"));
    }

    private static async Task<HubConnection> ConnectAsync(Uri hub, string from)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(hub, o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.WebSocketFactory = async (context, ct) =>
                {
                    var socket = new ClientWebSocket();
                    await socket.ConnectAsync(context.Uri, new HttpMessageInvoker(From(from)), ct);
                    return socket;
                };
            })
            .Build();
        await connection.StartAsync();
        return connection;
    }

    /// <summary>Connections that leave from one loopback address, so the server counts them as one client.</summary>
    private static SocketsHttpHandler From(string from) => new()
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
            var to = (await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, AddressFamily.InterNetwork, ct))[0];
            await socket.ConnectAsync(new IPEndPoint(to, context.DnsEndPoint.Port), ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
    };

    private sealed record Joined(int GroupId, string UserName);

    private sealed partial class Tally
    {
        public long Accepted;
        public readonly ConcurrentDictionary<string, long> Refused = new();

        /// <summary>The call's result, or null when the server refused it (counted by the kind in its message).</summary>
        public async Task<T?> TryAsync<T>(Func<Task<T>> call) where T : class
        {
            try
            {
                var result = await call();
                Interlocked.Increment(ref Accepted);
                return result;
            }
            catch (HubException e)
            {
                var kind = KindPattern().Match(e.Message) is { Success: true } m ? m.Groups[1].Value : "other: " + e.Message;
                Refused.AddOrUpdate(kind, 1, (_, n) => n + 1);
                return null;
            }
        }

        [GeneratedRegex(@"\[(\w+)\]$")]
        private static partial Regex KindPattern();
    }
}
