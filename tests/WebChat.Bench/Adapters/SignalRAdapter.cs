using System.Text;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace WebChat.Bench.Adapters;

/// <summary>The hub's messages as a client sees them (docs/protocol.md, the SignalR hub).</summary>
public sealed record ChatMessage(long Id, int GroupId, string Sender, string Text, DateTime SentAt);
public sealed record JoinedGroup(int GroupId, string UserName, string[] Members, ChatMessage[] History, string RejoinToken);

/// <summary>
/// The SignalR hub at /hubs/chat (docs/protocol.md) over WebSockets (negotiation skipped), JSON or
/// MessagePack. CreateGroup/JoinGroup are awaited invocations; a chat message is a fire-and-forget
/// <c>SendAsync("SendMessage", groupId, text)</c>, so the sender stays open-loop (awaiting the stored
/// message would make every sender wait a round trip per message).
/// </summary>
public sealed class SignalRAdapter(AdapterOptions o) : IChatAdapter
{
    public string Name => "signalr";

    private Uri HubUri => new($"http://{o.Host}:{o.Port}/hubs/chat");

    private async Task<SignalRSession> ConnectAsync(CancellationToken ct)
    {
        var builder = new HubConnectionBuilder()
            .WithUrl(HubUri, HttpTransportType.WebSockets, h => h.SkipNegotiation = true);
        if (o.Protocol == "messagepack") builder.AddMessagePackProtocol();
        var hub = builder.Build();
        var session = new SignalRSession(hub);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(o.StepTimeout);
        try
        {
            await hub.StartAsync(cts.Token);
            return session;
        }
        catch (Exception e)
        {
            await hub.DisposeAsync();
            throw e is OperationCanceledException && !ct.IsCancellationRequested
                ? new SetupException($"timed out after {o.StepTimeout.TotalSeconds:0}s connecting to {HubUri}")
                : e;
        }
    }

    public async Task<IChatSession> CreateGroupAsync(MemberSpec m, string password, CancellationToken ct)
    {
        var s = await ConnectAsync(ct);
        return await s.EnterAsync(h => h.InvokeAsync<JoinedGroup>("CreateGroup", m.Name, password, ct), o.StepTimeout, ct);
    }

    public async Task<IChatSession> JoinGroupAsync(MemberSpec m, string groupKey, string password, CancellationToken ct)
    {
        var s = await ConnectAsync(ct);
        int id = int.Parse(groupKey);
        return await s.EnterAsync(h => h.InvokeAsync<JoinedGroup>("JoinGroup", id, m.Name, password, ct), o.StepTimeout, ct);
    }

    private sealed class SignalRSession : IChatSession
    {
        private readonly HubConnection _hub;
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile IDeliverySink? _sink;
        private volatile bool _open = true;
        private long _pendingBytes;
        private int _groupId;
        [ThreadStatic] private static byte[]? t_utf8;

        public SignalRSession(HubConnection hub)
        {
            _hub = hub;
            hub.On<ChatMessage>("MessageReceived", OnMessage);
            hub.On<int, string>("MemberJoined", (g, n) => _sink?.OnOtherLine($"MemberJoined {g} {n}"));
            hub.On<int, string>("MemberLeft", (g, n) => _sink?.OnOtherLine($"MemberLeft {g} {n}"));
            hub.Closed += e =>
            {
                Close(e is null ? "closed" : $"closed: {e.GetType().Name}: {e.Message}");
                return Task.CompletedTask;
            };
        }

        public string GroupKey { get; private set; } = "";
        public string Door => "ws";
        public bool IsOpen => _open;
        public Task Completion => _closed.Task;
        public long PendingSendBytes => Interlocked.Read(ref _pendingBytes);
        public string? CloseReason { get; private set; }

        public async Task<IChatSession> EnterAsync(Func<HubConnection, Task<JoinedGroup>> enter, TimeSpan timeout, CancellationToken ct)
        {
            try
            {
                var joined = await enter(_hub).WaitAsync(timeout, ct);
                _groupId = joined.GroupId;
                GroupKey = joined.GroupId.ToString();
                return this;
            }
            catch (Exception e)
            {
                await DisposeAsync();
                throw e switch
                {
                    HubException h => new SetupException("refused: " + h.Message),
                    TimeoutException => new SetupException($"timed out after {timeout.TotalSeconds:0}s waiting for the hub's answer"),
                    _ => e,
                };
            }
        }

        private void OnMessage(ChatMessage m)
        {
            var sink = _sink;
            if (sink is null) return;
            var buf = t_utf8 ??= new byte[4096];
            int max = Encoding.UTF8.GetMaxByteCount(m.Text.Length);
            if (buf.Length < max) t_utf8 = buf = new byte[max];
            int n = Encoding.UTF8.GetBytes(m.Text, buf);
            sink.OnPayload(buf.AsSpan(0, n));
        }

        public void SetSink(IDeliverySink sink) => _sink = sink;

        public void SendChat(ReadOnlySpan<byte> utf8Text)
        {
            if (!_open) return;
            int size = utf8Text.Length;
            Interlocked.Add(ref _pendingBytes, size);
            Task send;
            try { send = _hub.SendAsync("SendMessage", _groupId, Encoding.UTF8.GetString(utf8Text)); }
            catch (Exception e) { Close("send failed: " + e.Message); return; }
            if (send.IsCompletedSuccessfully) { Interlocked.Add(ref _pendingBytes, -size); return; }
            _ = send.ContinueWith((t, state) =>
            {
                var self = (SignalRSession)state!;
                Interlocked.Add(ref self._pendingBytes, -size);
                if (t.IsFaulted) self.Close("send failed: " + t.Exception!.InnerException?.Message);
            }, this, TaskScheduler.Default);
        }

        private void Close(string reason)
        {
            if (!_open) return;
            _open = false;
            CloseReason ??= reason;
            _closed.TrySetResult();
        }

        public async Task LeaveAsync(TimeSpan timeout)
        {
            try
            {
                _sink = null;
                if (_open && _hub.State == HubConnectionState.Connected)
                    await _hub.InvokeAsync("LeaveGroup", _groupId).WaitAsync(timeout);
            }
            catch { }
            finally { await DisposeAsync(); }
        }

        public async ValueTask DisposeAsync()
        {
            try { await _hub.DisposeAsync(); } catch { }
            Close("closed by generator");
        }
    }
}
