using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace WebChat.Tests.Network;

/// <summary>
/// A Linux network namespace joined to this one by a veth pair (10.x.y.1 here, 10.x.y.2 inside), made with
/// <c>ip</c> for one test and removed when it is disposed. Sockets made by <see cref="CreateSocket"/> live inside,
/// so a test can cut their link silently (no FIN, no RST) and watch the server notice. Needs root.
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    private const int CloneNewNet = 0x40000000;

    private NetworkNamespace(string name, string hostLink, string innerLink, IPAddress hostAddress, IPAddress innerAddress)
    {
        (Name, HostLink, InnerLink, HostAddress, InnerAddress) = (name, hostLink, innerLink, hostAddress, innerAddress);
    }

    public string Name { get; }
    public string HostLink { get; }
    public string InnerLink { get; }

    /// <summary>This side's end of the link: a server listening on any address is reached from inside here.</summary>
    public IPAddress HostAddress { get; }

    public IPAddress InnerAddress { get; }

    public static NetworkNamespace Create()
    {
        var id = Convert.ToHexString(Guid.NewGuid().ToByteArray())[..8].ToLowerInvariant();
        var (x, y) = (100 + Random.Shared.Next(100), Random.Shared.Next(256));
        var ns = new NetworkNamespace($"wct{id}", $"wch{id}", $"wcn{id}", IPAddress.Parse($"10.{x}.{y}.1"), IPAddress.Parse($"10.{x}.{y}.2"));
        try
        {
            Ip($"netns add {ns.Name}");
            Ip($"link add {ns.HostLink} type veth peer name {ns.InnerLink} netns {ns.Name}");
            Ip($"addr add {ns.HostAddress}/30 dev {ns.HostLink}");
            Ip($"link set {ns.HostLink} up");
            Ip($"-n {ns.Name} addr add {ns.InnerAddress}/30 dev {ns.InnerLink}");
            Ip($"-n {ns.Name} link set {ns.InnerLink} up");
            Ip($"-n {ns.Name} link set lo up");
        }
        catch
        {
            ns.Dispose();
            throw;
        }
        return ns;
    }

    /// <summary>A TCP socket inside the namespace (made on a thread of its own that enters the namespace and leaves it).</summary>
    public Socket CreateSocket()
    {
        Socket? socket = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            var target = Open($"/var/run/netns/{Name}");
            var home = Open("/proc/thread-self/ns/net");
            try
            {
                if (setns(target, CloneNewNet) != 0) throw new InvalidOperationException($"setns into {Name} failed: errno {Marshal.GetLastWin32Error()}");
                try { socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp); }
                finally
                {
                    if (setns(home, CloneNewNet) != 0) error = new InvalidOperationException("setns back failed");
                }
            }
            catch (Exception ex) { error = ex; }
            finally
            {
                close(target);
                close(home);
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null)
        {
            socket?.Dispose();
            throw error;
        }
        return socket!;
    }

    /// <summary>Takes the inner end of the link down: from here on nothing crosses, and neither side is told.</summary>
    public void CutLink() => Ip($"-n {Name} link set {InnerLink} down");

    public void Dispose()
    {
        // Deleting the namespace deletes its end of the pair, and with it ours; the second is for a half-made one.
        TryIp($"netns del {Name}");
        TryIp($"link del {HostLink}");
    }

    private static int Open(string path)
    {
        var fd = open(path, 0x80000 /* O_RDONLY | O_CLOEXEC */);
        if (fd < 0) throw new InvalidOperationException($"Cannot open {path}: errno {Marshal.GetLastWin32Error()}");
        return fd;
    }

    private static void Ip(string arguments)
    {
        var (code, output) = Run(arguments);
        if (code != 0) throw new InvalidOperationException($"ip {arguments} failed ({code}): {output}");
    }

    private static void TryIp(string arguments) => Run(arguments);

    private static (int Code, string Output) Run(string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo("ip", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("Cannot start ip (iproute2)");
        var output = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(10_000))
        {
            process.Kill();
            return (-1, "timed out");
        }
        return (process.ExitCode, output.Result.Trim());
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setns(int fd, int nstype);

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc")]
    private static extern int close(int fd);
}
