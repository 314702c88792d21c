using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using System.Text;
using System.Threading.Channels;
using WebChat.Gateway;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Gateway;

/// <summary>
/// A raw TCP client of the gateway, like nc: it sends bytes (with or without a newline) and collects
/// what the server sends as lines, which a test awaits with bounded timeouts. It can connect to any port
/// (the gateway, a node started as its own process, a fault proxy) from any loopback address, in plain TCP or
/// inside TLS (the gateway's TLS port), or over a socket the test made itself (in another network namespace).
/// </summary>
public sealed class TcpChatClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    public const string Menu =
        "Hello client, please choose an option: \n 1. Connect to a group chat. \n 2. Create a group chat. \n 3. Exit the server. \n";

    private readonly Socket _socket;
    private readonly Stream? _stream;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _seen = [];
    private readonly Task _receiving;
    private volatile bool _stopReading;

    private TcpChatClient(Socket socket, Stream? stream = null)
    {
        _socket = socket;
        _stream = stream;
        _receiving = Task.Run(ReceiveAsync);
    }

    /// <summary>The server's certificate, for a client on the TLS port.</summary>
    public X509Certificate2? RemoteCertificate => (_stream as SslStream)?.RemoteCertificate as X509Certificate2;

    /// <summary>Connects to the TLS port on loopback from <paramref name="from"/>; any server certificate is accepted (the test checks it).</summary>
    public static async Task<TcpChatClient> ConnectTlsAsync(int port, string from = "127.0.0.1")
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(DefaultTimeout);
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        }).WaitAsync(DefaultTimeout);
        return new TcpChatClient(socket, ssl);
    }

    /// <summary>Connects a socket the test created (say, inside another network namespace) to <paramref name="server"/>.</summary>
    public static async Task<TcpChatClient> ConnectAsync(Socket socket, EndPoint server)
    {
        socket.NoDelay = true;
        await socket.ConnectAsync(server).WaitAsync(DefaultTimeout);
        return new TcpChatClient(socket);
    }

    /// <summary>True once the server closed the connection (the last line, if any, has been queued).</summary>
    public bool Closed { get; private set; }

    /// <summary>
    /// Bytes after the last newline when the connection ended (a line cut off by a dropped connection). They are
    /// not a line: every server text ends with a newline, so a test compares only whole lines.
    /// </summary>
    public string Unterminated { get; private set; } = "";

    public static int PortOf(WebApplicationFactory<Program> app)
    {
        app.StartServer(); // starts the host, and with it the gateway
        return app.Services.GetRequiredService<GatewayEndpoint>().Port;
    }

    /// <summary>Connects; <paramref name="receiveBufferSize"/> shrinks the socket's window (a slow receiver).</summary>
    public static Task<TcpChatClient> ConnectAsync(WebChatApplication app, int? receiveBufferSize = null) =>
        ConnectAsync(PortOf(app), receiveBufferSize);

    /// <summary>Connects to a port on this machine's loopback, from <paramref name="from"/> (any of 127.0.0.0/8).</summary>
    public static async Task<TcpChatClient> ConnectAsync(int port, int? receiveBufferSize = null, string from = "127.0.0.1")
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBufferSize is { } size) socket.ReceiveBufferSize = size;
        socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(DefaultTimeout);
        return new TcpChatClient(socket);
    }

    /// <summary>Connects by port (from <paramref name="from"/>) and reads the menu.</summary>
    public static async Task<TcpChatClient> ConnectToMenuAsync(int port, string from = "127.0.0.1")
    {
        var client = await ConnectAsync(port, from: from);
        await client.ExpectAsync(Menu);
        return client;
    }

    public Socket Socket => _socket;

    /// <summary>Connects and reads the menu.</summary>
    public static async Task<TcpChatClient> ConnectToMenuAsync(WebChatApplication app)
    {
        var client = await ConnectAsync(app);
        await client.ExpectAsync(Menu);
        return client;
    }

    public Task SendAsync(string text, bool newline = true) => SendBytesAsync(Encoding.UTF8.GetBytes(newline ? text + "\n" : text));

    public Task SendBytesAsync(byte[] bytes) => SendBytesAsync(bytes.AsMemory());

    public async Task SendBytesAsync(ReadOnlyMemory<byte> bytes)
    {
        if (_stream is not null)
        {
            await _stream.WriteAsync(bytes);
            await _stream.FlushAsync();
            return;
        }
        while (bytes.Length > 0) bytes = bytes[await _socket.SendAsync(bytes, SocketFlags.None)..];
    }

    /// <summary>The next line the server sent, without its newline; null when the server closed the connection.</summary>
    public async Task<string?> ReadLineAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            if (!await _lines.Reader.WaitToReadAsync(cts.Token)) return null;
            var line = await _lines.Reader.ReadAsync(cts.Token);
            _seen.Add(line);
            return line;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No line within {(timeout ?? DefaultTimeout).TotalSeconds} s; last lines: {Recent()}");
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>Expects exactly <paramref name="text"/> next (one or more lines, each ending with a newline).</summary>
    public async Task ExpectAsync(string text, TimeSpan? timeout = null)
    {
        Assert.EndsWith("\n", text);
        foreach (var expected in text[..^1].Split('\n'))
        {
            var line = await ReadLineAsync(timeout);
            Assert.True(line == expected, $"Expected \"{expected}\" but got \"{line ?? "<closed>"}\"; last lines: {Recent()}");
        }
    }

    /// <summary>Skips lines until one matches; returns it.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"No matching line; last lines: {Recent()}");
            var line = await ReadLineAsync(left) ?? throw new InvalidOperationException($"Closed before a matching line; last lines: {Recent()}");
            if (match(line)) return line;
        }
    }

    /// <summary>Waits until the server closes the connection and returns the lines it sent before.</summary>
    public async Task<List<string>> ReadUntilClosedAsync(TimeSpan? timeout = null)
    {
        var rest = new List<string>();
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (await ReadLineAsync(deadline - DateTime.UtcNow) is { } line) rest.Add(line);
        return rest;
    }

    /// <summary>Menu 2: creates a group and returns its id (the client is then in it).</summary>
    public async Task<int> CreateGroupAsync(string name, string password)
    {
        await SendAsync("2");
        await ExpectAsync("Enter your name: \n");
        await SendAsync(name);
        await ExpectAsync("Enter password for the group: \n");
        await SendAsync(password);
        var first = await ReadLineAsync() ?? "<closed>";
        Assert.StartsWith("The id of the group is:", first);
        var id = int.Parse(first["The id of the group is:".Length..]);
        await ExpectAsync($"You're connected to group chat #{id}\nYou can start to talk!\n");
        return id;
    }

    /// <summary>Menu 1 up to the password prompt.</summary>
    public async Task StartJoinAsync(int groupId, string name)
    {
        await SendAsync("1");
        await ExpectAsync("Enter your name: \n");
        await SendAsync(name);
        await ExpectAsync("Enter group ID: \n");
        await SendAsync(groupId.ToString());
        await ExpectAsync("Enter password: \n");
    }

    /// <summary>Menu 1 with the right id and password; the group's history lines follow.</summary>
    public async Task JoinGroupAsync(int groupId, string name, string password)
    {
        await StartJoinAsync(groupId, name);
        await SendAsync(password);
        await ExpectAsync($"You're connected to group chat #{groupId}\n");
    }

    /// <summary>Leaves the group with Exit and waits for the menu.</summary>
    public async Task ExitGroupAsync()
    {
        await SendAsync("Exit");
        await WaitForLineAsync(l => l == "You chose exit so you removed from the group. ");
        await ExpectAsync(Menu);
    }

    /// <summary>Stops taking bytes from the socket, so the server's output piles up (a stuck receiver).</summary>
    public void StopReading() => _stopReading = true;

    /// <summary>For a client that stopped reading: takes whatever is left and tells whether the server closed the connection.</summary>
    public async Task<bool> DrainUntilClosedAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[64 * 1024];
        try
        {
            while (await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0) { }
            return true;
        }
        catch (SocketException) { return true; }
        catch (OperationCanceledException) { return false; }
    }

    /// <summary>Drops the connection without a goodbye (RST).</summary>
    public void Abort()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    public async ValueTask DisposeAsync()
    {
        if (_stream is not null)
        {
            try { await _stream.DisposeAsync(); } catch (IOException) { } catch (SocketException) { }
        }
        try { _socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
        _socket.Dispose();
        await _receiving.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private string Recent() => string.Join(" | ", _seen.TakeLast(5));

    private async Task ReceiveAsync()
    {
        var buffer = new byte[16 * 1024];
        var pending = new List<byte>();
        try
        {
            while (!_stopReading)
            {
                var n = _stream is null ? await _socket.ReceiveAsync(buffer, SocketFlags.None) : await _stream.ReadAsync(buffer);
                if (n == 0) break;
                var start = 0;
                for (var i = 0; i < n; i++)
                {
                    if (buffer[i] != (byte)'\n') continue;
                    pending.AddRange(buffer.AsSpan(start, i - start));
                    _lines.Writer.TryWrite(Encoding.UTF8.GetString(pending.ToArray()));
                    pending.Clear();
                    start = i + 1;
                }
                pending.AddRange(buffer.AsSpan(start, n - start));
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException) { }
        finally
        {
            if (!_stopReading)
            {
                Unterminated = Encoding.UTF8.GetString(pending.ToArray());
                Closed = true;
                _lines.Writer.TryComplete();
            }
        }
    }
}
