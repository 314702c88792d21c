using System.Buffers.Text;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace WebChat.Bench;

/// <summary>One monotonic clock for the whole process: senders stamp with it, receivers read it.
/// Sender and receiver are the same process, so end-to-end latency needs no clock sync.</summary>
public static class Clock
{
    private static readonly long Start = Stopwatch.GetTimestamp();
    private static readonly double UsPerTick = 1_000_000.0 / Stopwatch.Frequency;
    public static long NowUs => (long)((Stopwatch.GetTimestamp() - Start) * UsPerTick);
}

/// <summary>
/// The chat text every generated message carries:
/// <c>~lb:{phase}:{sender}:{seq}:{sendTimeUs}:</c> followed by 'x' padding up to the message size.
/// Receivers look for the marker anywhere in a line, so server-side prefixes
/// ("name: ", ":nick!u@h PRIVMSG #c :") and the seed server's run-together chunks do not matter.
/// </summary>
public static class Payload
{
    public static ReadOnlySpan<byte> Marker => "~lb:"u8;
    public const int MaxFieldsLength = 4 + 11 + 1 + 11 + 1 + 20 + 1 + 20 + 1;

    public static int Write(Span<byte> dst, int phase, int sender, long seq, long sendUs, int totalLength)
    {
        int p = 0;
        Marker.CopyTo(dst);
        p += Marker.Length;
        Utf8Formatter.TryFormat(phase, dst[p..], out int w); p += w; dst[p++] = (byte)':';
        Utf8Formatter.TryFormat(sender, dst[p..], out w); p += w; dst[p++] = (byte)':';
        Utf8Formatter.TryFormat(seq, dst[p..], out w); p += w; dst[p++] = (byte)':';
        Utf8Formatter.TryFormat(sendUs, dst[p..], out w); p += w; dst[p++] = (byte)':';
        while (p < totalLength && p < dst.Length) dst[p++] = (byte)'x';
        return p;
    }

    /// <summary>Parses the fields right after a marker (span starts at the marker).
    /// Returns false when the fields are cut or garbled.</summary>
    public static bool TryParse(ReadOnlySpan<byte> s, out int phase, out int sender, out long seq, out long sendUs, out int consumed)
    {
        phase = sender = 0; seq = sendUs = 0; consumed = Marker.Length;
        var r = s[Marker.Length..];
        if (!Utf8Parser.TryParse(r, out phase, out int n) || n >= r.Length || r[n] != ':') return false;
        r = r[(n + 1)..]; consumed += n + 1;
        if (!Utf8Parser.TryParse(r, out sender, out n) || n >= r.Length || r[n] != ':') return false;
        r = r[(n + 1)..]; consumed += n + 1;
        if (!Utf8Parser.TryParse(r, out seq, out n) || n >= r.Length || r[n] != ':') return false;
        r = r[(n + 1)..]; consumed += n + 1;
        if (!Utf8Parser.TryParse(r, out sendUs, out n) || n >= r.Length || r[n] != ':') return false;
        consumed += n + 1;
        return true;
    }
}

/// <summary>Log-linear latency histogram in microseconds (64 sub-buckets per power of two,
/// ~1.6% resolution), thread-safe through Interlocked. Percentiles report the bucket's upper edge.</summary>
public sealed class Histogram
{
    private const int SubBits = 6;              // 64 sub-buckets per octave
    private const int Sub = 1 << SubBits;
    private readonly long[] _counts = new long[2 * Sub + 58 * Sub];
    private long _count, _max = -1, _sum;

    private static int Index(long v)
    {
        if (v < 2 * Sub) return (int)v;
        int msb = 63 - (int)ulong.LeadingZeroCount((ulong)v);
        int shift = msb - SubBits;             // top = v >> shift in [Sub, 2*Sub)
        long top = v >> shift;
        return 2 * Sub + (shift - 1) * Sub + (int)(top - Sub);
    }

    private static long UpperEdge(int idx)
    {
        if (idx < 2 * Sub) return idx;
        int rel = idx - 2 * Sub;
        int shift = rel / Sub + 1;
        long top = rel % Sub + Sub;
        return ((top + 1) << shift) - 1;
    }

    public void Record(long us)
    {
        if (us < 0) us = 0;
        Interlocked.Increment(ref _counts[Index(us)]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sum, us);
        long m;
        while (us > (m = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, us, m) != m) { }
    }

    public long Count => Volatile.Read(ref _count);
    public long MaxUs => Volatile.Read(ref _max);
    public double MeanUs => Count == 0 ? 0 : (double)Volatile.Read(ref _sum) / Count;

    public long PercentileUs(double p)
    {
        long total = Count;
        if (total == 0) return 0;
        long rank = (long)Math.Ceiling(p / 100.0 * total);
        if (rank < 1) rank = 1;
        long cum = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            cum += Volatile.Read(ref _counts[i]);
            if (cum >= rank) return Math.Min(UpperEdge(i), MaxUs);
        }
        return MaxUs;
    }

    public void Reset()
    {
        Array.Clear(_counts);
        _count = 0; _sum = 0; _max = -1;
    }
}

/// <summary>Reads /proc for a process's memory and CPU time, and the machine's CPU counters.</summary>
public static class ProcStats
{
    [DllImport("libc", SetLastError = true)]
    private static extern long sysconf(int name);
    private const int _SC_CLK_TCK = 2;
    public static readonly double TicksPerSecond = GetClkTck();

    private static double GetClkTck()
    {
        try { long v = sysconf(_SC_CLK_TCK); return v > 0 ? v : 100; } catch { return 100; }
    }

    /// <summary>RSS, its anonymous part (heap, stacks, native allocations) and its file-backed part (mapped code).</summary>
    public sealed record Mem(long RssKiB, long HwmKiB, int Threads, long AnonKiB = -1, long FileKiB = -1);

    public static Mem? ReadMem(int pid)
    {
        try
        {
            long rss = -1, hwm = -1, anon = -1, file = -1; int threads = -1;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:")) rss = ParseKb(line);
                else if (line.StartsWith("VmHWM:")) hwm = ParseKb(line);
                else if (line.StartsWith("RssAnon:")) anon = ParseKb(line);
                else if (line.StartsWith("RssFile:")) file = ParseKb(line);
                else if (line.StartsWith("Threads:")) threads = int.Parse(line[8..].Trim());
            }
            return new Mem(rss, hwm, threads, anon, file);
        }
        catch { return null; }
    }

    private static long ParseKb(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(parts[1]);
    }

    /// <summary>utime+stime of a process in seconds (all its threads), or -1.</summary>
    public static double CpuSeconds(int pid)
    {
        try
        {
            var s = File.ReadAllText($"/proc/{pid}/stat");
            var rest = s[(s.LastIndexOf(')') + 2)..].Split(' ');
            // rest[0] is field 3 (state); utime is field 14, stime field 15
            long ut = long.Parse(rest[11]), st = long.Parse(rest[12]);
            return (ut + st) / TicksPerSecond;
        }
        catch { return -1; }
    }

    public static double SelfCpuSeconds() => CpuSeconds(Environment.ProcessId);

    /// <summary>(busy, total) jiffies of the whole machine from /proc/stat.</summary>
    public static (long Busy, long Total) MachineCpu()
    {
        try
        {
            var first = File.ReadLines("/proc/stat").First();
            var f = first.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
            long total = f.Take(8).Sum();           // user nice system idle iowait irq softirq steal
            long idle = f[3] + (f.Length > 4 ? f[4] : 0);
            return (total - idle, total);
        }
        catch { return (0, 0); }
    }

    public static bool Exists(int pid) => Directory.Exists($"/proc/{pid}");
}

/// <summary>Samples a process's RSS in the background and keeps the highest value seen.</summary>
public sealed class RssSampler : IDisposable
{
    private readonly int _pid;
    private readonly Timer _timer;
    public long PeakRssKiB { get; private set; } = -1;
    public int PeakThreads { get; private set; } = -1;

    public RssSampler(int pid, int periodMs = 200)
    {
        _pid = pid;
        Sample();
        _timer = new Timer(_ => Sample(), null, periodMs, periodMs);
    }

    public void Sample()
    {
        var m = ProcStats.ReadMem(_pid);
        if (m is null) return;
        lock (this)
        {
            if (m.RssKiB > PeakRssKiB) PeakRssKiB = m.RssKiB;
            if (m.Threads > PeakThreads) PeakThreads = m.Threads;
        }
    }

    public void Dispose() => _timer.Dispose();
}

public static class Text
{
    public static readonly UTF8Encoding Utf8 = new(false);
}

/// <summary>
/// Reads the server's own Prometheus metrics (WebChat's /metrics) and sums each metric over its label
/// sets, so a step can report what the server allocated, queued and collected per delivery.
/// </summary>
public sealed class ServerMetrics(string url)
{
    public static readonly string[] Names =
    [
        "dotnet_gc_heap_total_allocated_bytes_total", "dotnet_thread_pool_work_item_count_total",
        "dotnet_monitor_lock_contentions_total", "dotnet_gc_collections_total", "dotnet_gc_pause_time_seconds_total",
    ];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public async Task<Dictionary<string, double>?> ReadAsync()
    {
        try
        {
            var text = await _http.GetStringAsync(url);
            var sums = new Dictionary<string, double>();
            foreach (var line in text.Split('\n'))
            {
                if (line.Length == 0 || line[0] == '#') continue;
                int nameEnd = line.IndexOfAny(['{', ' ']);
                int valueStart = line.LastIndexOf(' ');
                if (nameEnd <= 0 || valueStart <= 0) continue;
                var name = line[..nameEnd];
                if (!Names.Contains(name)) continue;
                if (double.TryParse(line[(valueStart + 1)..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v))
                    sums[name] = sums.GetValueOrDefault(name) + v;
            }
            return sums;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return null; }
    }
}
