using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using WebChat.Groups;
using WebChat.Security;

namespace WebChat.Gateway;

/// <summary>
/// What happens to a gateway connection before its dialogue starts: dead-peer detection on its socket, the
/// PROXY header that says who the client is (when <c>Chat:Gateway:ProxyProtocol</c> is on), and TLS on the TLS
/// port. A connection that fails any of them is closed without a word.
/// </summary>
internal sealed class GatewayEdge(GatewayOptions options, KnownProxies proxies, GatewayCertificate? certificate, TimeProvider time, ILogger log)
{
    /// <summary>How long a connection from a proxy may take to send its PROXY header (proxies send it at once).</summary>
    public static readonly TimeSpan ProxyHeaderTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long a TLS handshake may take.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private const int IpProtoTcp = 6;
    private const int TcpUserTimeout = 18;

    /// <summary>The connection ready for its dialogue (its transport replaced by TLS's where TLS is on), or null when it was refused.</summary>
    public async Task<EdgeClient?> OpenAsync(ConnectionContext connection, bool tls)
    {
        if (connection.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket) DetectDeadPeer(socket, options.DeadPeerSeconds);
        var peer = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        var client = peer;
        try
        {
            if (options.ProxyProtocol)
            {
                if (!proxies.Contains(peer))
                {
                    GatewayLog.NotFromProxy(log, ClientAddress.Display(peer));
                    return null;
                }
                var (ok, source, reason) = await ReadProxyHeaderAsync(connection.Transport.Input);
                if (!ok)
                {
                    GatewayLog.NoProxyHeader(log, ClientAddress.Display(peer), reason);
                    return null;
                }
                client = source?.Address ?? peer;
            }
            if (!tls) return new EdgeClient(client, null);
            return await StartTlsAsync(connection, client);
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or SocketException or ObjectDisposedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Keepalive probes after half the time of silence, and TCP_USER_TIMEOUT at the whole time: a peer that neither
    /// answers probes (a quiet connection) nor acknowledges data (a busy one) is closed by the kernel, the read
    /// fails, and the session ends as for any dropped connection. Linux closes a quiet connection at the first
    /// unanswered probe past the user timeout, so probes a twelfth of the time apart end it at most that late;
    /// a live peer answers the first probe and costs one probe per half the time of silence.
    /// </summary>
    internal static void DetectDeadPeer(Socket socket, int seconds)
    {
        if (seconds <= 0) return;
        var idle = Math.Max(1, seconds / 2);
        var interval = Math.Max(1, seconds / 12);
        var probes = Math.Max(1, (seconds - idle + interval - 1) / interval); // where there is no user timeout
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, idle);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, interval);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, probes);
            if (OperatingSystem.IsLinux())
            {
                var ms = checked((uint)seconds * 1000);
                socket.SetRawSocketOption(IpProtoTcp, TcpUserTimeout, MemoryMarshal.AsBytes(new ReadOnlySpan<uint>(ref ms)));
            }
        }
        catch (SocketException) { } // the peer left already
        catch (ObjectDisposedException) { }
    }

    private async Task<(bool Ok, IPEndPoint? Source, string Reason)> ReadProxyHeaderAsync(PipeReader input)
    {
        using var timeout = new CancellationTokenSource(ProxyHeaderTimeout, time);
        while (true)
        {
            ReadResult result;
            try { result = await input.ReadAsync(timeout.Token); }
            catch (OperationCanceledException) { return (false, null, $"none within {ProxyHeaderTimeout.TotalSeconds:0} s"); }
            var buffer = result.Buffer;
            var status = ProxyHeader.TryRead(buffer, out var consumed, out var source);
            switch (status)
            {
                case ProxyHeaderStatus.Done:
                    input.AdvanceTo(consumed);
                    return (true, source, "");
                case ProxyHeaderStatus.Invalid:
                    input.AdvanceTo(buffer.Start);
                    return (false, null, "malformed or too long");
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || result.IsCanceled) return (false, null, "the connection ended first");
        }
    }

    private async Task<EdgeClient?> StartTlsAsync(ConnectionContext connection, IPAddress? client)
    {
        var ssl = new SslStream(new DuplexPipeStream(connection.Transport), leaveInnerStreamOpen: false);
        try
        {
            using var timeout = new CancellationTokenSource(HandshakeTimeout, time);
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = certificate!.Current,
                ClientCertificateRequired = false,
                CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
            }, timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException
                                     or ConnectionResetException or ConnectionAbortedException or SocketException or ObjectDisposedException)
        {
            GatewayLog.HandshakeFailed(log, ClientAddress.Display(client), ex is OperationCanceledException ? $"not done within {HandshakeTimeout.TotalSeconds:0} s" : ex.Message);
            await ssl.DisposeAsync();
            return null;
        }
        // An idle TLS connection waits with a zero-byte read: no read buffer is held until data arrives.
        connection.Transport = new TlsPipe(
            PipeReader.Create(ssl, new StreamPipeReaderOptions(leaveOpen: true, useZeroByteReads: true)),
            PipeWriter.Create(ssl, new StreamPipeWriterOptions(leaveOpen: true)));
        return new EdgeClient(client, ssl);
    }

    private sealed class TlsPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;
        public PipeWriter Output => output;
    }
}

/// <summary>A connection past the edge: the client's address (the PROXY header's, or the peer's) and its TLS stream, if any.</summary>
internal sealed class EdgeClient(IPAddress? address, SslStream? ssl)
{
    private static readonly TimeSpan CloseNotifyTimeout = TimeSpan.FromSeconds(1);

    public IPAddress? Address => address;

    /// <summary>After the session's last output: TLS's close_notify (bounded: the peer may be gone), then the socket's close.</summary>
    public async Task CloseAsync()
    {
        if (ssl is null) return;
        try { await ssl.ShutdownAsync().WaitAsync(CloseNotifyTimeout); }
        catch (Exception) { } // a peer that is gone or not reading gets no close_notify; the socket closes all the same
        await ssl.DisposeAsync();
    }
}
