using WebChat.Bench.Adapters;

namespace WebChat.Bench;

public sealed class GroupRt
{
    public int Index;
    public string? Key;
    public string Password = "";
    public readonly List<Member> Members = new();
    public int OpenCount;   // members whose connection is still open
}

public sealed class Member
{
    public required MemberSpec Spec;
    public required GroupRt Group;
    public IChatSession? Session;
    public Receiver? Recv;
    // sender state
    public bool IsSender;
    public long Seq;
    public double NextDueUs;
}

/// <summary>Counters for one measured phase; swapped atomically at every step.</summary>
public sealed class StepStats(int measuredPhase)
{
    public readonly int MeasuredPhase = measuredPhase;
    public long Delivered, Duplicated, OutOfOrder;
    /// <summary>Deliveries whose line starts with the payload, i.e. the server ran this message into
    /// the previous one's send without a sender prefix (the seed server under load).</summary>
    public long Unprefixed;
    public readonly Histogram Latency = new();
    /// <summary>Deliveries and latency by the receiver's door (index into <see cref="Doors.Names"/>).</summary>
    public readonly long[] DeliveredByDoor = new long[Doors.Names.Length];
    public readonly Histogram[] LatencyByDoor = Doors.Names.Select(_ => new Histogram()).ToArray();
}

public static class Doors
{
    public static readonly string[] Names = ["tcp", "ws", "irc"];
    public const int Ws = 1;
    public static int Index(string door) => Math.Max(0, Array.IndexOf(Names, door));
}

/// <summary>Per-sender sequence bookkeeping at one receiver: a growable bit set of seen seqs.</summary>
public sealed class SeqTrack
{
    private ulong[] _bits = new ulong[4];
    public long MaxSeq;

    /// <summary>Returns false if seq was already seen.</summary>
    public bool Mark(long seq)
    {
        long w = seq >> 6;
        if (w >= _bits.Length)
        {
            int n = _bits.Length;
            while (n <= w) n *= 2;
            Array.Resize(ref _bits, n);
        }
        ulong bit = 1UL << (int)(seq & 63);
        if ((_bits[w] & bit) != 0) return false;
        _bits[w] |= bit;
        return true;
    }
}

/// <summary>One member's receive side. Called only from its connection's receive loop, so the
/// per-sender tracks need no lock; run-wide counters are Interlocked.</summary>
public sealed class Receiver(Runner run, int door) : IDeliverySink
{
    private readonly Dictionary<int, SeqTrack> _tracks = new();

    public void OnPayload(ReadOnlySpan<byte> line)
    {
        long now = Clock.NowUs;
        var stats = run.Current;
        int from = 0;
        while (true)
        {
            int i = line[from..].IndexOf(Payload.Marker);
            if (i < 0) break;
            int at = from + i;
            if (!Payload.TryParse(line[at..], out int phase, out int sender, out long seq, out long sendUs, out int consumed))
            {
                Interlocked.Increment(ref run.Malformed);
                from = at + Payload.Marker.Length;
                continue;
            }
            from = at + consumed;
            if (!run.IsKnownSender(sender)) { Interlocked.Increment(ref run.Foreign); continue; }
            if (!_tracks.TryGetValue(sender, out var t)) _tracks[sender] = t = new SeqTrack();
            bool fresh = t.Mark(seq);
            bool measured = stats != null && phase == stats.MeasuredPhase;
            if (!measured)
            {
                Interlocked.Increment(ref run.UnmeasuredDeliveries);
                if (fresh && seq > t.MaxSeq) t.MaxSeq = seq;
                continue;
            }
            if (!fresh) { Interlocked.Increment(ref stats!.Duplicated); continue; }
            if (seq < t.MaxSeq) Interlocked.Increment(ref stats!.OutOfOrder);
            else t.MaxSeq = seq;
            Interlocked.Increment(ref stats!.Delivered);
            Interlocked.Increment(ref stats.DeliveredByDoor[door]);
            if (at == 0 && door != Doors.Ws) Interlocked.Increment(ref stats.Unprefixed); // hub texts carry no prefix
            stats.Latency.Record(now - sendUs);
            stats.LatencyByDoor[door].Record(now - sendUs);
        }
    }

    public void OnOtherLine(string line) => run.NoteOtherLine(line);
}

public sealed class StepResult
{
    public int Step;
    public int SendersPerGroup;
    public double RatePerSender;
    public double OfferedMsgsPerSec;
    public long Sent, Expected, Received, Lost, Duplicated, OutOfOrder, Unprefixed;
    public double DeliveriesPerSec;
    public double P50Ms, P90Ms, P99Ms, MaxMs, MeanMs;
    public double SchedLagP99Ms, SchedLagMaxMs;
    public long SendSkipped;
    public double DrainSeconds;
    public int DisconnectsDuringStep;
    public long MaxPendingSendBytes;
    public double ServerCpuSeconds = -1, WindowSeconds, GeneratorCpuSeconds, MachineBusyPct;
    public long ServerRssEndKiB = -1;
    public int ServerThreadsEnd = -1;
    public List<DoorResult> ByDoor = new();
    /// <summary>Increase of each server metric over the measured window (--metrics-url), or null.</summary>
    public Dictionary<string, double>? ServerMetricsDelta;
}

public sealed record DoorResult(string Door, long Received, double P50Ms, double P99Ms, double MaxMs);

public sealed class Runner(Options o, IChatAdapter adapter, Action<string> log)
{
    private readonly ServerMetrics? _metrics = o.MetricsUrl is null ? null : new ServerMetrics(o.MetricsUrl);
    public readonly List<GroupRt> Groups = new();
    public readonly List<Member> AllMembers = new();
    private bool[] _knownSender = [];
    private readonly Random _rng = new(o.Seed);
    private volatile StepStats? _current;
    public StepStats? Current => _current;

    public long Malformed, Foreign, UnmeasuredDeliveries, OtherLines;
    private readonly List<string> _otherSamples = new();
    public int SetupFailed;
    public readonly List<string> SetupErrors = new();
    public double SetupSeconds;
    public int Disconnects;
    private readonly List<string> _disconnectReasons = new();
    private bool _tearingDown;

    public IReadOnlyList<string> OtherLineSamples { get { lock (_otherSamples) return _otherSamples.ToList(); } }
    public IReadOnlyList<string> DisconnectReasons { get { lock (_disconnectReasons) return _disconnectReasons.ToList(); } }
    public int Established => AllMembers.Count(m => m.Session != null);
    public Dictionary<string, int> EstablishedByDoor => AllMembers.Where(m => m.Session != null)
        .GroupBy(m => m.Session!.Door).ToDictionary(g => g.Key, g => g.Count());

    public bool IsKnownSender(int id) => (uint)id < (uint)_knownSender.Length && _knownSender[id];

    public void NoteOtherLine(string line)
    {
        Interlocked.Increment(ref OtherLines);
        lock (_otherSamples)
        {
            string l = line.Length > 120 ? line[..120] + "..." : line;
            if (_otherSamples.Count < 8 && !_otherSamples.Contains(l)) _otherSamples.Add(l);
        }
    }

    private string NameFor(int g, int m) => adapter.Name == "irc"
        ? $"c{RunTag}{g + 1}x{m + 1}"
        : $"u{g + 1}m{m + 1}";

    public string RunTag = "a";

    private static string PasswordFor(int g) => (10000 + (g + 1) * 7919 % 90000).ToString();

    public async Task SetupAsync(CancellationToken ct)
    {
        var t0 = Clock.NowUs;
        int gid = 0;
        for (int g = 0; g < o.Groups; g++)
        {
            var grp = new GroupRt { Index = g, Password = PasswordFor(g) };
            Groups.Add(grp);
            for (int m = 0; m < o.Members; m++)
            {
                var mem = new Member { Spec = new MemberSpec(g, m, gid++, NameFor(g, m)), Group = grp };
                grp.Members.Add(mem);
                AllMembers.Add(mem);
            }
        }
        _knownSender = new bool[gid];

        // 1. groups are created one after another (ids come back in order, and the seed server's
        //    id counter is not thread-safe)
        foreach (var grp in Groups)
        {
            var creator = grp.Members[0];
            try
            {
                creator.Session = await adapter.CreateGroupAsync(creator.Spec, grp.Password, ct);
                grp.Key = creator.Session.GroupKey;
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                RecordSetupError($"create group {grp.Index + 1}: {Describe(e)}");
            }
        }
        log($"created {Groups.Count(g => g.Key != null)}/{Groups.Count} groups in {(Clock.NowUs - t0) / 1e6:0.00} s");

        // 2. members join in parallel (bounded), all within the setup deadline
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(o.SetupDeadline));
        var dct = deadline.Token;
        using var gate = new SemaphoreSlim(o.ConnectConcurrency);
        var joins = new List<Task>();
        int done = 0, total = Groups.Where(g => g.Key != null).Sum(g => g.Members.Count - 1);
        long lastLog = Clock.NowUs;
        int notTried = 0;
        foreach (var grp in Groups)
        {
            if (grp.Key == null) { SetupFailed += grp.Members.Count - 1; continue; }
            foreach (var mem in grp.Members.Skip(1))
            {
                try { await gate.WaitAsync(dct); }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested) { notTried++; continue; }
                joins.Add(Task.Run(async () =>
                {
                    try
                    {
                        mem.Session = await adapter.JoinGroupAsync(mem.Spec, grp.Key, grp.Password, dct);
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        RecordSetupError($"join {mem.Spec.Name} to {grp.Key}: {Describe(e)}");
                    }
                    finally
                    {
                        gate.Release();
                        int d = Interlocked.Increment(ref done);
                        long now = Clock.NowUs;
                        if (now - Interlocked.Read(ref lastLog) > 5_000_000)
                        {
                            Interlocked.Exchange(ref lastLog, now);
                            log($"  joined {d}/{total}");
                        }
                    }
                }, CancellationToken.None));
            }
        }
        await Task.WhenAll(joins);
        if (notTried > 0)
        {
            lock (SetupErrors) { SetupFailed += notTried; SetupErrors.Add($"setup deadline ({o.SetupDeadline:0} s) reached: {notTried} joins not attempted"); }
        }
        SetupSeconds = (Clock.NowUs - t0) / 1e6;

        foreach (var mem in AllMembers)
        {
            if (mem.Session == null) continue;
            mem.Group.OpenCount++;
            mem.Recv = new Receiver(this, Doors.Index(mem.Session.Door));
            var m = mem;
            _ = m.Session.Completion.ContinueWith(_ =>
            {
                Interlocked.Decrement(ref m.Group.OpenCount);
                if (!_tearingDown)
                {
                    Interlocked.Increment(ref Disconnects);
                    lock (_disconnectReasons)
                        if (_disconnectReasons.Count < 5) _disconnectReasons.Add($"{m.Spec.Name}: {m.Session.CloseReason}");
                }
            }, TaskScheduler.Default);
        }
        foreach (var mem in AllMembers) if (mem.Session != null) mem.Session.SetSink(mem.Recv!);
    }

    private void RecordSetupError(string s)
    {
        lock (SetupErrors)
        {
            SetupFailed++;
            if (SetupErrors.Count < 10) SetupErrors.Add(s);
        }
    }

    private static string Describe(Exception e) => e switch
    {
        SetupException s => s.Message,
        OperationCanceledException => "setup deadline reached",
        System.Net.Sockets.SocketException se => $"socket {se.SocketErrorCode}",
        AggregateException a when a.InnerException != null => Describe(a.InnerException),
        _ => e.GetType().Name + ": " + e.Message,
    };

    /// <summary>Marks the first <paramref name="sendersPerGroup"/> connected members of each group as senders.</summary>
    public List<Member> ChooseSenders(int sendersPerGroup)
    {
        var list = new List<Member>();
        foreach (var g in Groups)
        {
            if (g.Key == null) continue;
            foreach (var m in g.Members.Where(x => x.Session != null).Take(sendersPerGroup))
            {
                if (!m.IsSender) { m.IsSender = true; _knownSender[m.Spec.GlobalId] = true; }
                list.Add(m);
            }
        }
        return list;
    }

    private sealed class SendOutcome
    {
        public long Sent, Expected, Skipped;
        public readonly Histogram Lag = new();
    }

    /// <summary>Open-loop sender: every sender sends at <paramref name="rate"/> msg/s, evenly spaced,
    /// random phase; the stamp is taken when the message is handed to the connection.</summary>
    private SendOutcome SendLoop(List<Member> senders, double rate, long startUs, long warmEndUs, long endUs, int warmPhase, int measPhase)
    {
        var res = new SendOutcome();
        double interval = 1e6 / rate;
        foreach (var s in senders) s.NextDueUs = startUs + _rng.NextDouble() * interval;
        var buf = new byte[Math.Max(o.MessageSize, Payload.MaxFieldsLength) + 8];
        while (true)
        {
            long now = Clock.NowUs;
            if (now >= endUs) break;
            double minDue = double.MaxValue;
            foreach (var s in senders)
            {
                while (s.NextDueUs <= now && s.NextDueUs < endUs)
                {
                    bool measured = s.NextDueUs >= warmEndUs;
                    var sess = s.Session!;
                    if (!sess.IsOpen)
                    {
                        if (measured) res.Skipped++;
                        s.NextDueUs += interval;
                        continue;
                    }
                    long stamp = Clock.NowUs;
                    if (measured) res.Lag.Record(stamp - (long)s.NextDueUs);
                    long seq = ++s.Seq;
                    int len = Payload.Write(buf, measured ? measPhase : warmPhase, s.Spec.GlobalId, seq, stamp, o.MessageSize);
                    sess.SendChat(buf.AsSpan(0, len));
                    if (measured)
                    {
                        res.Sent++;
                        res.Expected += Math.Max(0, Volatile.Read(ref s.Group.OpenCount) - 1);
                    }
                    s.NextDueUs += interval;
                }
                if (s.NextDueUs < minDue) minDue = s.NextDueUs;
            }
            long wait = (long)(minDue - Clock.NowUs);
            Thread.Sleep(wait > 20_000 ? 20 : 1);
        }
        return res;
    }

    public async Task<StepResult> RunStepAsync(int step, int sendersPerGroup, double rate, double warmup, double duration, int serverPid, CancellationToken ct)
    {
        var senders = ChooseSenders(sendersPerGroup);
        int warmPhase = 2 * step + 1, measPhase = 2 * step + 2;
        var stats = new StepStats(measPhase);
        _current = stats;
        int discBefore = Volatile.Read(ref Disconnects);

        long startUs = Clock.NowUs + 20_000;
        long warmEndUs = startUs + (long)(warmup * 1e6);
        long endUs = warmEndUs + (long)(duration * 1e6);
        SendOutcome? outcome = null;
        var sendThread = new Thread(() => outcome = SendLoop(senders, rate, startUs, warmEndUs, endUs, warmPhase, measPhase))
        {
            IsBackground = true, Name = "sender", Priority = ThreadPriority.AboveNormal,
        };
        sendThread.Start();

        long maxPending = 0;
        async Task WaitUntil(long us)
        {
            while (Clock.NowUs < us)
            {
                foreach (var m in senders) maxPending = Math.Max(maxPending, m.Session!.PendingSendBytes);
                await Task.Delay((int)Math.Clamp((us - Clock.NowUs) / 1000, 1, 250), ct);
            }
        }
        await WaitUntil(warmEndUs);
        // the server's metrics first: under saturation the scrape can take a while, and the CPU window starts after it
        var metrics0 = _metrics is null ? null : await _metrics.ReadAsync();
        double srvCpu0 = serverPid > 0 ? ProcStats.CpuSeconds(serverPid) : -1;
        double selfCpu0 = ProcStats.SelfCpuSeconds();
        var mach0 = ProcStats.MachineCpu();
        long win0 = Clock.NowUs;
        await WaitUntil(endUs);
        sendThread.Join();
        var sent = outcome!;

        // drain: wait for stragglers, bounded
        long drainStart = Clock.NowUs;
        long drainEnd = drainStart + (long)(o.Drain * 1e6);
        while (Clock.NowUs < drainEnd && Volatile.Read(ref stats.Delivered) < sent.Expected)
            await Task.Delay(20, ct);
        double drainS = (Clock.NowUs - drainStart) / 1e6;
        // a few extra ms so duplicates right behind the last delivery are seen
        await Task.Delay(50, ct);

        double srvCpu1 = serverPid > 0 ? ProcStats.CpuSeconds(serverPid) : -1;
        double selfCpu1 = ProcStats.SelfCpuSeconds();
        var mach1 = ProcStats.MachineCpu();
        double win = (Clock.NowUs - win0) / 1e6;
        var metrics1 = _metrics is null ? null : await _metrics.ReadAsync();
        var mem = serverPid > 0 ? ProcStats.ReadMem(serverPid) : null;

        long received = Volatile.Read(ref stats.Delivered);
        var h = stats.Latency;
        var r = new StepResult
        {
            Step = step,
            SendersPerGroup = sendersPerGroup,
            RatePerSender = rate,
            OfferedMsgsPerSec = senders.Count * rate,
            Sent = sent.Sent,
            Expected = sent.Expected,
            Received = received,
            Lost = Math.Max(0, sent.Expected - received),
            Duplicated = Volatile.Read(ref stats.Duplicated),
            OutOfOrder = Volatile.Read(ref stats.OutOfOrder),
            Unprefixed = Volatile.Read(ref stats.Unprefixed),
            DeliveriesPerSec = received / duration,
            P50Ms = h.PercentileUs(50) / 1000.0,
            P90Ms = h.PercentileUs(90) / 1000.0,
            P99Ms = h.PercentileUs(99) / 1000.0,
            MaxMs = Math.Max(0, h.MaxUs) / 1000.0,
            MeanMs = h.MeanUs / 1000.0,
            SchedLagP99Ms = sent.Lag.PercentileUs(99) / 1000.0,
            SchedLagMaxMs = Math.Max(0, sent.Lag.MaxUs) / 1000.0,
            SendSkipped = sent.Skipped,
            DrainSeconds = drainS,
            DisconnectsDuringStep = Volatile.Read(ref Disconnects) - discBefore,
            MaxPendingSendBytes = maxPending,
            ServerCpuSeconds = srvCpu0 >= 0 && srvCpu1 >= 0 ? srvCpu1 - srvCpu0 : -1,
            WindowSeconds = win,
            GeneratorCpuSeconds = selfCpu1 - selfCpu0,
            MachineBusyPct = mach1.Total > mach0.Total ? 100.0 * (mach1.Busy - mach0.Busy) / (mach1.Total - mach0.Total) : -1,
            ServerRssEndKiB = mem?.RssKiB ?? -1,
            ServerThreadsEnd = mem?.Threads ?? -1,
            ServerMetricsDelta = metrics0 is null || metrics1 is null ? null
                : metrics1.ToDictionary(kv => kv.Key, kv => kv.Value - metrics0.GetValueOrDefault(kv.Key)),
            ByDoor = Doors.Names.Select((d, i) => (d, i)).Where(x => stats.DeliveredByDoor[x.i] > 0)
                .Select(x => new DoorResult(x.d, stats.DeliveredByDoor[x.i], stats.LatencyByDoor[x.i].PercentileUs(50) / 1000.0,
                    stats.LatencyByDoor[x.i].PercentileUs(99) / 1000.0, Math.Max(0, stats.LatencyByDoor[x.i].MaxUs) / 1000.0)).ToList(),
        };
        return r;
    }

    public async Task TeardownAsync(bool graceful)
    {
        _tearingDown = true;
        _current = null;
        var live = AllMembers.Where(m => m.Session != null).Select(m => m.Session!).ToList();
        if (!graceful)
        {
            foreach (var s in live) await s.DisposeAsync();
            return;
        }
        using var gate = new SemaphoreSlim(256);
        var tasks = live.Select(async s =>
        {
            await gate.WaitAsync();
            try { await s.LeaveAsync(TimeSpan.FromSeconds(2)); }
            finally { gate.Release(); }
        }).ToList();
        var all = Task.WhenAll(tasks);
        if (await Task.WhenAny(all, Task.Delay(30_000)) != all)
            foreach (var s in live) await s.DisposeAsync();
    }
}
