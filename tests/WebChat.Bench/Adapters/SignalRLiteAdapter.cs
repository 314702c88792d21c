using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using MessagePack;

namespace WebChat.Bench.Adapters;

/// <summary>
/// The same hub conversation as <see cref="SignalRAdapter"/> (docs/protocol.md, WebSockets with
/// negotiation skipped, JSON or MessagePack), but speaking the SignalR hub protocol itself over a
/// bare <see cref="ClientWebSocket"/> instead of through HubConnection. HubConnection binds every
/// received invocation to typed objects (a ChatMessage with its strings and DateTime per delivery)
/// and dispatches a handler, which saturates the generator's core long before the server's WebSocket
/// door is saturated. Here the receive loop frames the records in a reused buffer and hands the
/// text's UTF-8 bytes straight to the sink; nothing is allocated per delivery.
///
/// What the server sees is the same: a WebSocket to /hubs/chat with no connection id, the handshake
/// <c>{"protocol":"json"|"messagepack","version":1}</c>, awaited invocations (with an invocation id)
/// for CreateGroup/JoinGroup/LeaveGroup, a non-blocking invocation without id for SendMessage, and a
/// ping (type 6) after 15 s without sending, as the official client's KeepAliveInterval does.
/// Set SIGNALR_LITE_DUMP=N to print the first N received records (all connections) to stderr.
/// </summary>
public sealed class SignalRLiteAdapter(AdapterOptions o) : IChatAdapter
{
    public string Name => "signalr-lite";

    private Uri HubUri => new($"ws://{o.Host}:{o.Port}/hubs/chat");

    private async Task<LiteSession> ConnectAsync(CancellationToken ct)
    {
        var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("User-Agent", "WebChat.Bench signalr-lite");
        var s = new LiteSession(ws, o.Protocol == "messagepack", o.ReceiveBufferBytes);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(o.StepTimeout);
        try
        {
            await ws.ConnectAsync(HubUri, cts.Token);
            await s.HandshakeAsync(cts.Token);
            return s;
        }
        catch (Exception e)
        {
            s.Close("setup failed");
            ws.Dispose();
            throw e switch
            {
                OperationCanceledException when !ct.IsCancellationRequested =>
                    new SetupException($"timed out after {o.StepTimeout.TotalSeconds:0}s connecting to {HubUri}"),
                WebSocketException w => new SetupException($"connecting to {HubUri}: {w.Message}"),
                _ => e,
            };
        }
    }

    public async Task<IChatSession> CreateGroupAsync(MemberSpec m, string password, CancellationToken ct)
    {
        var s = await ConnectAsync(ct);
        return await s.EnterAsync("CreateGroup", [m.Name, password], o.StepTimeout, ct);
    }

    public async Task<IChatSession> JoinGroupAsync(MemberSpec m, string groupKey, string password, CancellationToken ct)
    {
        var s = await ConnectAsync(ct);
        return await s.EnterAsync("JoinGroup", [int.Parse(groupKey), m.Name, password], o.StepTimeout, ct);
    }
}

internal sealed class LiteSession : IChatSession
{
    private const byte RecordSeparator = 0x1E;
    private const int MaxRecordBytes = 16 * 1024 * 1024;
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    private static readonly ConcurrentDictionary<LiteSession, byte> Live = new();
    private static readonly Timer KeepAliveTimer = new(_ => PingIdle(), null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
    private static int s_dumpLeft = int.TryParse(Environment.GetEnvironmentVariable("SIGNALR_LITE_DUMP"), out int d) ? d : 0;
    private static readonly byte[] JsonPing = "{\"type\":6}\u001e"u8.ToArray();
    private static readonly byte[] MsgPackPing = [0x02, 0x91, 0x06]; // length 2, [6]

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_body;
    [ThreadStatic] private static Utf8JsonWriter? t_json;

    private readonly ClientWebSocket _ws;
    private readonly bool _mp;
    private readonly WebSocketMessageType _frameType;
    private readonly int _recvBufBytes;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string?> _handshake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, TaskCompletionSource<(string? Error, int GroupId)>> _calls = new();
    private int _nextCallId;
    private Task _receiveLoop = Task.CompletedTask;
    private byte[] _textScratch = new byte[256];

    private readonly SendQueue _send;

    private volatile bool _open = true;
    private volatile IDeliverySink? _sink;
    private int _groupId;

    public LiteSession(ClientWebSocket ws, bool messagePack, int recvBufBytes)
    {
        _ws = ws;
        _mp = messagePack;
        _frameType = messagePack ? WebSocketMessageType.Binary : WebSocketMessageType.Text;
        _recvBufBytes = Math.Max(1024, recvBufBytes);
        // one WebSocket message per chunk: the hub parses records from the byte stream
        _send = new SendQueue(c => _ws.SendAsync(c, _frameType, true, CancellationToken.None), () => _open,
            e => Close("send failed: " + e.Message));
    }

    public string GroupKey { get; private set; } = "";
    public string Door => "ws";
    public bool IsOpen => _open;
    public Task Completion => _closed.Task;
    public long PendingSendBytes => _send.PendingBytes;
    public string? CloseReason { get; private set; }
    public void SetSink(IDeliverySink sink) => _sink = sink;

    // ---------------------------------------------------------------- setup

    public async Task HandshakeAsync(CancellationToken ct)
    {
        _receiveLoop = ReceiveLoopAsync();
        Enqueue(Encoding.UTF8.GetBytes($"{{\"protocol\":\"{(_mp ? "messagepack" : "json")}\",\"version\":1}}\u001e"));
        var done = await Task.WhenAny(_handshake.Task, _closed.Task).WaitAsync(ct);
        if (done != _handshake.Task && !_handshake.Task.IsCompleted)
            throw new SetupException($"connection closed during the handshake ({CloseReason})");
        string? error = await _handshake.Task;
        if (error != null) throw new SetupException("handshake refused: " + error);
        Live.TryAdd(this, 0);
    }

    /// <summary>Sends an invocation with an id and waits for its completion; returns the JoinedGroup's groupId (or 0).</summary>
    private async Task<int> InvokeAsync(string target, object[] args, TimeSpan timeout, CancellationToken ct)
    {
        var tcs = new TaskCompletionSource<(string? Error, int GroupId)>(TaskCreationOptions.RunContinuationsAsynchronously);
        string id = Interlocked.Increment(ref _nextCallId).ToString();
        lock (_calls)
        {
            if (!_open) throw new SetupException($"connection closed before {target} ({CloseReason})");
            _calls[id] = tcs;
        }
        WriteInvocation(id, target, args);
        try
        {
            var (error, groupId) = await tcs.Task.WaitAsync(timeout, ct);
            if (error != null) throw new SetupException("refused: " + error);
            return groupId;
        }
        catch (TimeoutException)
        {
            throw new SetupException($"timed out after {timeout.TotalSeconds:0}s waiting for the hub's answer to {target}");
        }
        finally
        {
            lock (_calls) _calls.Remove(id);
        }
    }

    public async Task<IChatSession> EnterAsync(string target, object[] args, TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            _groupId = await InvokeAsync(target, args, timeout, ct);
            GroupKey = _groupId.ToString();
            return this;
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task LeaveAsync(TimeSpan timeout)
    {
        try
        {
            _sink = null;
            if (_open) await InvokeAsync("LeaveGroup", [_groupId], timeout, CancellationToken.None);
        }
        catch { }
        finally { await DisposeAsync(); }
    }

    // ---------------------------------------------------------------- sending

    public void SendChat(ReadOnlySpan<byte> utf8Text)
    {
        if (!_open) return;
        var body = t_body ??= new ArrayBufferWriter<byte>(512);
        body.ResetWrittenCount();
        if (_mp)
        {
            var w = new MessagePackWriter(body);
            w.WriteArrayHeader(6);
            w.Write(1);              // Invocation
            w.WriteMapHeader(0);     // headers
            w.WriteNil();            // no invocation id: the server sends no completion
            w.WriteString("SendMessage"u8);
            w.WriteArrayHeader(2);
            w.Write(_groupId);
            w.WriteString(utf8Text);
            w.WriteArrayHeader(0);   // stream ids
            w.Flush();
            EnqueueMsgPack(body.WrittenSpan);
        }
        else
        {
            var w = Json(body);
            w.WriteStartObject();
            w.WriteNumber("type"u8, 1);
            w.WriteString("target"u8, "SendMessage"u8);
            w.WriteStartArray("arguments"u8);
            w.WriteNumberValue(_groupId);
            w.WriteStringValue(utf8Text);
            w.WriteEndArray();
            w.WriteEndObject();
            w.Flush();
            Enqueue(body.WrittenSpan, [RecordSeparator]);
        }
    }

    private static Utf8JsonWriter Json(ArrayBufferWriter<byte> body)
    {
        var w = t_json ??= new Utf8JsonWriter(body);
        w.Reset(body);
        return w;
    }

    private void WriteInvocation(string id, string target, object[] args)
    {
        var body = t_body ??= new ArrayBufferWriter<byte>(512);
        body.ResetWrittenCount();
        if (_mp)
        {
            var w = new MessagePackWriter(body);
            w.WriteArrayHeader(6);
            w.Write(1);
            w.WriteMapHeader(0);
            w.Write(id);
            w.Write(target);
            w.WriteArrayHeader(args.Length);
            foreach (var a in args)
                if (a is int i) w.Write(i); else w.Write((string)a);
            w.WriteArrayHeader(0);
            w.Flush();
            EnqueueMsgPack(body.WrittenSpan);
        }
        else
        {
            var w = Json(body);
            w.WriteStartObject();
            w.WriteNumber("type"u8, 1);
            w.WriteString("invocationId"u8, id);
            w.WriteString("target"u8, target);
            w.WriteStartArray("arguments"u8);
            foreach (var a in args)
                if (a is int i) w.WriteNumberValue(i); else w.WriteStringValue((string)a);
            w.WriteEndArray();
            w.WriteEndObject();
            w.Flush();
            Enqueue(body.WrittenSpan, [RecordSeparator]);
        }
    }

    private void EnqueueMsgPack(ReadOnlySpan<byte> body)
    {
        Span<byte> prefix = stackalloc byte[5];
        int n = 0;
        uint len = (uint)body.Length;
        do
        {
            byte b = (byte)(len & 0x7F);
            len >>= 7;
            if (len > 0) b |= 0x80;
            prefix[n++] = b;
        } while (len > 0);
        Enqueue(prefix[..n], body);
    }

    private void Enqueue(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b = default) => _send.Enqueue(a, b);

    private static void PingIdle()
    {
        long now = Environment.TickCount64;
        foreach (var s in Live.Keys)
            if (s._open && now - s._send.LastEnqueueMs >= KeepAlive.TotalMilliseconds)
                s.Enqueue(s._mp ? MsgPackPing : JsonPing);
    }

    // ---------------------------------------------------------------- receiving

    /// <summary>Treats the WebSocket as a byte stream: records are self-delimiting (JSON: 0x1E,
    /// MessagePack: varint length), may share a WebSocket message or span several.</summary>
    private async Task ReceiveLoopAsync()
    {
        byte[] buf = ArrayPool<byte>.Shared.Rent(_recvBufBytes);
        int start = 0, end = 0, scanFrom = 0;
        bool handshaken = false;
        try
        {
            while (true)
            {
                if (end == buf.Length)
                {
                    if (start > 0)
                    {
                        Buffer.BlockCopy(buf, start, buf, 0, end - start);
                        end -= start; scanFrom -= start; start = 0;
                    }
                    else if (buf.Length < MaxRecordBytes)
                    {
                        var bigger = ArrayPool<byte>.Shared.Rent(buf.Length * 2);
                        Buffer.BlockCopy(buf, 0, bigger, 0, end);
                        ArrayPool<byte>.Shared.Return(buf);
                        buf = bigger;
                    }
                    else
                    {
                        Close($"a hub record over {MaxRecordBytes} bytes");
                        break;
                    }
                }
                var res = await _ws.ReceiveAsync(buf.AsMemory(end), CancellationToken.None);
                if (res.MessageType == WebSocketMessageType.Close)
                {
                    Close($"closed by server (WebSocket close {(int?)_ws.CloseStatus} {_ws.CloseStatusDescription})".Replace(" )", ")"));
                    break;
                }
                end += res.Count;
                while (start < end)
                {
                    if (!handshaken || !_mp)
                    {
                        int i = buf.AsSpan(scanFrom, end - scanFrom).IndexOf(RecordSeparator);
                        if (i < 0) { scanFrom = end; break; }
                        int recEnd = scanFrom + i;
                        var rec = buf.AsSpan(start, recEnd - start);
                        Dump(rec);
                        if (!handshaken) { OnHandshake(rec); handshaken = true; }
                        else OnJsonRecord(rec);
                        start = scanFrom = recEnd + 1;
                    }
                    else
                    {
                        if (!TryReadVarint(buf.AsSpan(start, end - start), out int len, out int hdr)) break;
                        if ((uint)len > MaxRecordBytes) { Close($"unreadable MessagePack length prefix ({(uint)len} bytes)"); return; }
                        if (end - start < hdr + len) break;
                        var rec = new ReadOnlyMemory<byte>(buf, start + hdr, len);
                        Dump(rec.Span);
                        OnMsgPackRecord(rec);
                        start = scanFrom = start + hdr + len;
                    }
                    if (!_open) return;
                }
                if (start == end) start = end = scanFrom = 0;
            }
        }
        catch (Exception e)
        {
            Close(e is WebSocketException w ? $"websocket error {w.WebSocketErrorCode}: {w.Message}" : e.GetType().Name + ": " + e.Message);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> s, out int value, out int consumed)
    {
        value = 0; consumed = 0;
        int shift = 0;
        while (consumed < s.Length && consumed < 5)
        {
            byte b = s[consumed++];
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) return true;
            shift += 7;
        }
        if (consumed >= 5) { value = int.MaxValue; return true; } // garbage: the caller closes
        return false;
    }

    private void Dump(ReadOnlySpan<byte> rec)
    {
        if (s_dumpLeft <= 0 || Interlocked.Decrement(ref s_dumpLeft) < 0) return;
        bool text = !_mp || rec.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E) < 0;
        Console.Error.WriteLine($"[signalr-lite] {rec.Length} B: " + (text ? Encoding.UTF8.GetString(rec) : Convert.ToHexString(rec)));
    }

    private void OnHandshake(ReadOnlySpan<byte> rec)
    {
        string? error = null;
        try
        {
            var r = new Utf8JsonReader(rec);
            r.Read();
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                bool isError = r.ValueTextEquals("error"u8);
                r.Read();
                if (isError) error = r.GetString();
                else r.Skip();
            }
        }
        catch (JsonException e) { error = "unreadable handshake response: " + e.Message; }
        _handshake.TrySetResult(error);
    }

    private enum Target { Other, MessageReceived, MemberJoined, MemberLeft }

    /// <summary>How the server's JSON protocol writes a MessageReceived invocation up to its ChatMessage's first property.</summary>
    private static ReadOnlySpan<byte> MessageReceivedPrefix => "{\"type\":1,\"target\":\"MessageReceived\",\"arguments\":[{"u8;
    private static ReadOnlySpan<byte> TextProperty => "\"text\":\""u8;

    /// <summary>
    /// The common record, a MessageReceived invocation, read like the TCP door's line: by searching bytes, not by
    /// tokenizing every property. A string's quotes inside the JSON are always escaped, so the first
    /// <c>"text":"</c> after the ChatMessage's opening brace is its text property, and the text runs to the next
    /// quote unless a backslash comes first (an escaped text, read by <see cref="OnJsonRecord"/> instead). Returns
    /// false for anything else, which the full reader handles.
    /// </summary>
    private bool TryMessageText(ReadOnlySpan<byte> rec)
    {
        if (!rec.StartsWith(MessageReceivedPrefix) || !rec.EndsWith("}]}"u8)) return false;
        var body = rec[MessageReceivedPrefix.Length..];
        int at = body.IndexOf(TextProperty);
        if (at < 0) return false;
        var text = body[(at + TextProperty.Length)..];
        int end = text.IndexOfAny((byte)'"', (byte)'\\');
        if (end < 0 || text[end] != (byte)'"') return false;
        _sink?.OnPayload(text[..end]);
        return true;
    }

    private void OnJsonRecord(ReadOnlySpan<byte> rec)
    {
        if (TryMessageText(rec)) return;
        int type = -1, argsAt = -1, resultAt = -1;
        var target = Target.Other;
        string? id = null, error = null;
        var r = new Utf8JsonReader(rec);
        r.Read();
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("type"u8)) { r.Read(); type = r.GetInt32(); }
            else if (r.ValueTextEquals("target"u8))
            {
                r.Read();
                target = r.ValueTextEquals("MessageReceived"u8) ? Target.MessageReceived
                    : r.ValueTextEquals("MemberJoined"u8) ? Target.MemberJoined
                    : r.ValueTextEquals("MemberLeft"u8) ? Target.MemberLeft : Target.Other;
            }
            else if (r.ValueTextEquals("arguments"u8)) { r.Read(); argsAt = (int)r.TokenStartIndex; r.Skip(); }
            else if (r.ValueTextEquals("invocationId"u8)) { r.Read(); id = r.GetString(); }
            else if (r.ValueTextEquals("error"u8)) { r.Read(); error = r.GetString(); }
            else if (r.ValueTextEquals("result"u8)) { r.Read(); resultAt = (int)r.TokenStartIndex; r.Skip(); }
            else { r.Read(); r.Skip(); }
        }
        switch (type)
        {
            case 1 when argsAt >= 0 && target != Target.Other:
                var a = new Utf8JsonReader(rec[argsAt..]);
                a.Read(); // [
                if (target == Target.MessageReceived)
                {
                    a.Read(); // {
                    if (a.TokenType != JsonTokenType.StartObject) return;
                    while (a.Read() && a.TokenType == JsonTokenType.PropertyName)
                    {
                        bool isText = a.ValueTextEquals("text"u8);
                        a.Read();
                        if (!isText) { a.Skip(); continue; }
                        var sink = _sink;
                        if (sink is null) return;
                        if (!a.ValueIsEscaped) { sink.OnPayload(a.ValueSpan); return; }
                        if (_textScratch.Length < a.ValueSpan.Length) _textScratch = new byte[a.ValueSpan.Length * 2];
                        int n = a.CopyString(_textScratch);
                        sink.OnPayload(_textScratch.AsSpan(0, n));
                        return;
                    }
                }
                else if (_sink is { } other)
                {
                    a.Read(); int g = a.GetInt32();
                    a.Read(); string? name = a.GetString();
                    other.OnOtherLine($"{target} {g} {name}");
                }
                break;
            case 3 when id != null:
                int groupId = 0;
                if (error == null && resultAt >= 0) groupId = JsonGroupId(rec[resultAt..]);
                Complete(id, error, groupId);
                break;
            case 7:
                Close("closed by server: " + (error ?? "Close message without error"));
                break;
        }
    }

    private static int JsonGroupId(ReadOnlySpan<byte> result)
    {
        var r = new Utf8JsonReader(result);
        r.Read();
        if (r.TokenType != JsonTokenType.StartObject) return 0;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            bool isId = r.ValueTextEquals("groupId"u8);
            r.Read();
            if (isId) return r.GetInt32();
            r.Skip();
        }
        return 0;
    }

    private void OnMsgPackRecord(ReadOnlyMemory<byte> rec)
    {
        var r = new MessagePackReader(rec);
        int fields = r.ReadArrayHeader();
        int type = r.ReadInt32();
        switch (type)
        {
            case 1:
                r.Skip();                      // headers
                r.Skip();                      // invocation id (nil from the server)
                var target = ReadStringSpan(ref r) switch
                {
                    var t when t.SequenceEqual("MessageReceived"u8) => Target.MessageReceived,
                    var t when t.SequenceEqual("MemberJoined"u8) => Target.MemberJoined,
                    var t when t.SequenceEqual("MemberLeft"u8) => Target.MemberLeft,
                    _ => Target.Other,
                };
                if (target == Target.Other) return;
                int argc = r.ReadArrayHeader();
                if (argc < 1) return;
                var sink = _sink;
                if (sink is null) return;
                if (target == Target.MessageReceived)
                {
                    // ChatMessage: a map keyed by property name (contractless resolver) or an array in declaration order
                    if (r.NextMessagePackType == MessagePackType.Map)
                    {
                        int n = r.ReadMapHeader();
                        for (int i = 0; i < n; i++)
                        {
                            var key = ReadStringSpan(ref r);
                            if (Ascii.EqualsIgnoreCase(key, "text"u8)) { sink.OnPayload(ReadStringSpan(ref r)); return; }
                            r.Skip();
                        }
                    }
                    else if (r.NextMessagePackType == MessagePackType.Array)
                    {
                        int n = r.ReadArrayHeader();
                        for (int i = 0; i < n; i++)
                        {
                            if (i == 3) { sink.OnPayload(ReadStringSpan(ref r)); return; }
                            r.Skip();
                        }
                    }
                }
                else if (argc >= 2)
                {
                    int g = r.ReadInt32();
                    string? name = r.ReadString();
                    sink.OnOtherLine($"{target} {g} {name}");
                }
                break;
            case 3:
                r.Skip();                      // headers
                string id = r.ReadString() ?? "";
                int kind = r.ReadInt32();      // 1 error, 2 void, 3 result
                if (kind == 1) Complete(id, r.ReadString() ?? "(no message)", 0);
                else Complete(id, null, kind == 3 ? MsgPackGroupId(ref r) : 0);
                break;
            case 7:
                string? error = fields > 1 && !r.TryReadNil() ? r.ReadString() : null;
                Close("closed by server: " + (error ?? "Close message without error"));
                break;
        }
    }

    private static int MsgPackGroupId(ref MessagePackReader r)
    {
        if (r.NextMessagePackType == MessagePackType.Map)
        {
            int n = r.ReadMapHeader();
            for (int i = 0; i < n; i++)
            {
                var key = ReadStringSpan(ref r);
                if (Ascii.EqualsIgnoreCase(key, "groupId"u8)) return r.ReadInt32();
                r.Skip();
            }
        }
        else if (r.NextMessagePackType == MessagePackType.Array && r.ReadArrayHeader() > 0)
            return r.ReadInt32();
        return 0;
    }

    /// <summary>A str as its UTF-8 bytes, without a string (the record is one contiguous segment).</summary>
    private static ReadOnlySpan<byte> ReadStringSpan(ref MessagePackReader r)
    {
        if (r.TryReadNil()) return default;
        if (r.TryReadStringSpan(out var span)) return span;
        var seq = r.ReadStringSequence();
        return seq.HasValue ? seq.Value.ToArray() : default;
    }

    private void Complete(string id, string? error, int groupId)
    {
        TaskCompletionSource<(string?, int)>? tcs;
        lock (_calls) _calls.TryGetValue(id, out tcs);
        tcs?.TrySetResult((error, groupId));
    }

    // ---------------------------------------------------------------- closing

    public void Close(string reason)
    {
        List<TaskCompletionSource<(string?, int)>> calls;
        lock (_calls)
        {
            if (!_open) return;
            _open = false;
            CloseReason ??= reason;
            calls = _calls.Values.ToList();
        }
        Live.TryRemove(this, out _);
        foreach (var c in calls) c.TrySetException(new SetupException($"connection closed ({reason})"));
        _handshake.TrySetResult("connection closed (" + reason + ")");
        _closed.TrySetResult();
        if (_ws.State == WebSocketState.CloseReceived)
            _ = _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None)
                .ContinueWith(_ => _ws.Dispose(), TaskScheduler.Default);
    }

    /// <summary>Like the official client's stop: finish sending, then a WebSocket close handshake, bounded.</summary>
    public async ValueTask DisposeAsync()
    {
        bool wasOpen = _open;
        var flush = _send.Flushing;
        Close("closed by generator");
        if (wasOpen)
        {
            try
            {
                await flush.WaitAsync(TimeSpan.FromSeconds(1));
                if (_ws.State == WebSocketState.Open)
                {
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
                    await _receiveLoop.WaitAsync(TimeSpan.FromSeconds(2));
                }
            }
            catch { }
        }
        _ws.Dispose();
    }
}
