using System.Diagnostics;
using System.Globalization;
using WebChat.Soak;

// The soak load (scripts/soak.sh starts the server and runs this): groups with stayers that check everything,
// and churners on both doors that join, talk, drop and rejoin, leave, abandon, for N minutes. A line every 10 s
// (server RSS and CPU, traffic, churn, overdue messages), then a summary; exit code 1 if anything was lost.
var options = SoakOptions.Parse(args);
var counters = new Counters();
var hub = new Uri(options.Http, "/hubs/chat");
var server = new ServerProcess(options.Pid);
var live = 0;
var broken = new List<string>();

Console.WriteLine($"soak: {options.Minutes} min, {options.Groups} groups, {options.Churners} churners (half hub, half tcp), server pid {options.Pid}");
var groups = new List<(Ledger Ledger, HubMember Observer, HubMember Talker, TcpMember Tcp)>();
for (var g = 0; g < options.Groups; g++)
{
    Ledger? ledger = null;
    var observer = await HubMember.CreateGroupAsync(hub, counters, $"obs{g}", m => ledger!.ObserverHeard(m));
    ledger = new Ledger(observer.GroupId);
    var talker = await HubMember.JoinAsync(hub, counters, observer.GroupId, $"talk{g}");
    var tcp = await TcpMember.JoinAsync(options.TcpPort, counters, observer.GroupId, $"tcp{g}");
    groups.Add((ledger, observer, talker, tcp));
}
Interlocked.Add(ref live, groups.Count * 3);

var until = DateTime.UtcNow + TimeSpan.FromMinutes(options.Minutes);
var work = new List<Task>();
foreach (var (ledger, _, talker, tcp) in groups)
{
    work.Add(Task.Run(async () =>
    {
        for (var n = 0; DateTime.UtcNow < until; n++)
        {
            await talker.SendAsync(ledger, Ledger.Text(talker.Name, n));
            await Task.Delay(1000);
        }
    }));
    work.Add(Task.Run(async () =>
    {
        var pending = new List<string>();
        for (var n = 0; DateTime.UtcNow < until; n++)
        {
            var text = Ledger.Text(tcp.Name, n);
            ledger.Sending(text);
            pending.Add(text);
            await tcp.SayAsync(text);
            Interlocked.Increment(ref counters.Sent);
            if (pending.Count == 5) await Confirm();
            await Task.Delay(2000);
        }
        await Confirm();

        async Task Confirm()
        {
            await tcp.ConfirmAsync(ledger.GroupId);
            foreach (var t in pending) ledger.Owed(t);
            pending.Clear();
        }
    }));
}
for (var i = 0; i < options.Churners; i++)
{
    var (hubDoor, random) = (i % 2 == 0, new Random(i));
    var name = $"{(hubDoor ? "h" : "t")}{i}";
    work.Add(Task.Run(() => hubDoor ? HubChurnerAsync(name, random) : TcpChurnerAsync(name, random)));
}

var clock = Stopwatch.StartNew();
var report = Task.Run(async () =>
{
    var samples = new List<(double Rss, double Cpu)>();
    var next = TimeSpan.FromSeconds(10);
    while (DateTime.UtcNow < until)
    {
        await Task.Delay(next - clock.Elapsed);
        next += TimeSpan.FromSeconds(10);
        var c = counters.Take();
        var (rss, cpu) = server.Sample();
        samples.Add((rss, cpu));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{clock.Elapsed.TotalSeconds,5:F0} s] rss {rss,6:F1} MB  cpu {cpu,5:F1}%  clients {Volatile.Read(ref live),4}  sent {c.Sent,5}  delivered {c.Delivered,7}  " +
            $"joins {c.Joins,4}  leaves {c.Leaves,4}  rejoins {c.Rejoins,3}  refused {c.Refused}  errors {c.Errors}  overdue>5s {groups.Sum(x => x.Ledger.Overdue(TimeSpan.FromSeconds(5)))}  broken {c.Broken}"));
    }
    return samples;
});

var samples = await report;
await Task.WhenAll(work).WaitAsync(TimeSpan.FromMinutes(2));

// A fence per group: once the observer and the TCP stayer have it, they have had everything before it.
foreach (var (ledger, observer, talker, tcp) in groups)
{
    var fence = $"fence|{talker.Name}";
    await talker.SendAsync(ledger, fence);
    var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
    while (!(ledger.Heard(fence) && tcp.ChatLines.Contains($"{talker.Name}: {fence}")) && DateTime.UtcNow < deadline) await Task.Delay(100);
    if (ledger.LinesWithout(talker.Name).SequenceEqual(talker.Seen.Select(Ledger.Line)) is false) broken.Add($"{talker.Name}: not what the observer heard");
    if (ledger.LinesWithout(tcp.Name).SequenceEqual(tcp.ChatLines) is false) broken.Add($"{tcp.Name}: not what the observer heard");
}
var finalSample = server.Sample();

var verdicts = groups.Select(x => x.Ledger.Verdict()).ToList();
var (owed, lost, duplicated, outOfOrder, unknown) = (verdicts.Sum(v => v.Owed), verdicts.Sum(v => v.Lost), verdicts.Sum(v => v.Duplicated), verdicts.Sum(v => v.OutOfOrder), verdicts.Sum(v => v.Unknown));
var total = counters.Take();
Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"summary: {clock.Elapsed.TotalMinutes:F1} min; server rss min {samples.Min(s => s.Rss):F1} / max {samples.Max(s => s.Rss):F1} / end {finalSample.RssMb:F1} MB, cpu avg {samples.Average(s => s.Cpu):F1}% (of one core)"));
Console.WriteLine($"summary: {owed} messages the server took, {groups.Sum(x => x.Ledger.Order().Count)} heard by the observers; lost {lost}, duplicated {duplicated}, out of order {outOfOrder}, unknown {unknown}; broken stays {broken.Count}");
foreach (var b in broken.Take(10)) Console.WriteLine($"  broken: {b}");
foreach (var g in groups) { await g.Observer.DisposeAsync(); await g.Talker.DisposeAsync(); await g.Tcp.DisposeAsync(); }
return lost + duplicated + outOfOrder + unknown + broken.Count == 0 ? 0 : 1;

async Task HubChurnerAsync(string name, Random random)
{
    for (var episode = 0; DateTime.UtcNow < until; episode++)
    {
        var (ledger, _, _, _) = groups[random.Next(groups.Count)];
        HubMember member;
        try { member = await HubMember.JoinAsync(hub, counters, ledger.GroupId, $"{name}.{episode}"); }
        catch (Exception) { Interlocked.Increment(ref counters.Errors); continue; }
        Interlocked.Increment(ref live);
        try
        {
            var sends = random.Next(3, 9);
            for (var n = 0; n < sends && DateTime.UtcNow < until; n++)
            {
                await member.SendAsync(ledger, Ledger.Text(member.Name, n));
                if (random.NextDouble() < 0.1) await member.RejoinAsync();
                await Task.Delay(random.Next(500, 1500));
            }
            if (random.NextDouble() < 0.8) await member.LeaveAsync(); // else abandoned: it leaves when its grace ends
            await member.DisposeAsync();
            Check(ledger, member.Name, member.Seen.Select(Ledger.Line).ToList(), member.Seen.Select(m => m.Id).ToList());
        }
        catch (Exception) { Interlocked.Increment(ref counters.Errors); await member.DisposeAsync(); }
        finally { Interlocked.Decrement(ref live); }
    }
}

async Task TcpChurnerAsync(string name, Random random)
{
    for (var episode = 0; DateTime.UtcNow < until; episode++)
    {
        var (ledger, _, _, _) = groups[random.Next(groups.Count)];
        TcpMember member;
        try { member = await TcpMember.JoinAsync(options.TcpPort, counters, ledger.GroupId, $"{name}.{episode}"); }
        catch (Exception) { Interlocked.Increment(ref counters.Errors); continue; }
        Interlocked.Increment(ref live);
        var pending = new List<string>();
        try
        {
            var sends = random.Next(3, 9);
            for (var n = 0; n < sends && DateTime.UtcNow < until; n++)
            {
                var text = Ledger.Text(member.Name, n);
                ledger.Sending(text);
                pending.Add(text);
                await member.SayAsync(text);
                Interlocked.Increment(ref counters.Sent);
                await Task.Delay(random.Next(500, 1500));
            }
            await member.ConfirmAsync(ledger.GroupId);
            foreach (var t in pending) ledger.Owed(t);
            pending.Clear();
            if (random.Next(2) == 0) await member.ExitAsync();
            else member.Abort();
            Check(ledger, member.Name, member.ChatLines, []);
        }
        catch (Exception) { Interlocked.Increment(ref counters.Errors); }
        finally
        {
            foreach (var t in pending) ledger.Maybe(t);
            await member.DisposeAsync();
            Interlocked.Decrement(ref live);
        }
    }
}

void Check(Ledger ledger, string me, List<string> shown, List<long> ids)
{
    var increasing = ids.Zip(ids.Skip(1)).All(p => p.Second > p.First);
    if (increasing && ledger.IsUnbrokenSlice(shown, me)) return;
    Interlocked.Increment(ref counters.Broken);
    lock (broken) broken.Add($"{me}: {(increasing ? "a gap or a stranger in its stay" : "ids not increasing")}");
}

/// <summary>Command line: --http URL --tcp PORT --pid PID [--minutes N] [--groups G] [--churners C].</summary>
internal sealed record SoakOptions(Uri Http, int TcpPort, int Pid, double Minutes, int Groups, int Churners)
{
    public static SoakOptions Parse(string[] args)
    {
        var map = new Dictionary<string, string>();
        for (var i = 0; i + 1 < args.Length; i += 2) map[args[i].TrimStart('-')] = args[i + 1];
        string Get(string key, string? fallback = null) =>
            map.GetValueOrDefault(key) ?? fallback ?? throw new ArgumentException($"--{key} is required");
        return new SoakOptions(new Uri(Get("http")), int.Parse(Get("tcp")), int.Parse(Get("pid")),
            double.Parse(Get("minutes", "10"), CultureInfo.InvariantCulture), int.Parse(Get("groups", "10")), int.Parse(Get("churners", "160")));
    }
}

/// <summary>The server's resident memory and CPU, from /proc.</summary>
internal sealed class ServerProcess(int pid)
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux
    private double _lastCpuSeconds = CpuSeconds(pid);
    private readonly Stopwatch _wall = Stopwatch.StartNew();

    /// <summary>RSS in MB, and CPU since the last sample in percent of one core.</summary>
    public (double RssMb, double CpuPercent) Sample()
    {
        var cpu = CpuSeconds(pid);
        var wall = _wall.Elapsed.TotalSeconds;
        _wall.Restart();
        var percent = wall > 0 ? (cpu - _lastCpuSeconds) / wall * 100 : 0;
        _lastCpuSeconds = cpu;
        var rssKb = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return (double.Parse(rssKb, CultureInfo.InvariantCulture) / 1024, percent);
    }

    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }
}
