namespace WebChat.Bench.Adapters;

/// <summary>
/// IRC (RFC 1459/2812 subset): NICK/USER, wait for 001; the group's creator JOINs #gN and sets
/// the key with MODE #gN +k key; members JOIN #gN key and wait for their own JOIN echo.
/// Chat is PRIVMSG #gN :text. PING is answered with PONG at any time.
/// The channel name carries the run tag (#g{N}{tag}) so runs against a long-lived server never
/// land in a channel left over from an earlier run.
/// </summary>
public sealed class IrcAdapter(AdapterOptions o) : IChatAdapter
{
    public string Name => "irc";

    private static readonly HashSet<string> JoinErrors = ["403", "405", "437", "471", "473", "474", "475", "476", "477", "489"];
    private static readonly HashSet<string> RegisterErrors = ["431", "432", "433", "436", "465", "ERROR"];

    private static string[] Tokens(string line) => line.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);

    private static void OnControl(LineConnection c, string line)
    {
        // "PING :token" or ":server PING :token"
        var t = Tokens(line);
        int i = t.Length > 0 && t[0].StartsWith(':') ? 1 : 0;
        if (t.Length > i && t[i] == "PING")
        {
            string arg = line[(line.IndexOf("PING", StringComparison.Ordinal) + 4)..].Trim();
            c.SendText("PONG " + (arg.Length == 0 ? ":x" : arg) + "\r\n");
        }
    }

    private async Task<LineConnection> RegisterAsync(string nick, CancellationToken ct)
    {
        var c = await LineConnection.ConnectAsync(o.Host, o.Port, o.ReceiveBufferBytes, ct);
        c.ControlHook = OnControl;
        try
        {
            c.SendText($"NICK {nick}\r\nUSER {nick} 0 * :chatload\r\n");
            await c.ExpectAsync(l =>
            {
                var t = Tokens(l);
                if (t.Length >= 2 && t[1] == "001") return Match.Done;
                if (t.Length >= 1 && t[0] == "ERROR") return Match.Fail;
                if (t.Length >= 2 && RegisterErrors.Contains(t[1])) return Match.Fail;
                return Match.Continue;
            }, o.StepTimeout, "001 (registration)", ct);
            return c;
        }
        catch
        {
            await c.DisposeAsync();
            throw;
        }
    }

    private async Task JoinChannelAsync(LineConnection c, string nick, string chan, string key, CancellationToken ct)
    {
        c.SendText($"JOIN {chan} {key}\r\n");
        await c.ExpectAsync(l =>
        {
            var t = Tokens(l);
            if (t.Length >= 3 && t[1] == "JOIN" && t[0].StartsWith(":" + nick + "!", StringComparison.OrdinalIgnoreCase)
                && t[2].TrimStart(':').Equals(chan, StringComparison.OrdinalIgnoreCase)) return Match.Done;
            if (t.Length >= 2 && JoinErrors.Contains(t[1])) return Match.Fail;
            if (t.Length >= 1 && t[0] == "ERROR") return Match.Fail;
            return Match.Continue;
        }, o.StepTimeout, $"the JOIN echo for {chan}", ct);
    }

    public string Channel(int group) => $"#g{group + 1}{o.RunTag}";

    public async Task<IChatSession> CreateGroupAsync(MemberSpec m, string password, CancellationToken ct)
    {
        var c = await RegisterAsync(m.Name, ct);
        try
        {
            string chan = Channel(m.Group);
            await JoinChannelAsync(c, m.Name, chan, password, ct);
            c.SendText($"MODE {chan} +k {password}\r\n");
            await c.ExpectAsync(l =>
            {
                var t = Tokens(l);
                if (t.Length >= 3 && t[1] == "MODE" && t[2].Equals(chan, StringComparison.OrdinalIgnoreCase)) return Match.Done;
                if (t.Length >= 2 && t[1] == "467") return Match.Done;  // key already set
                if (t.Length >= 2 && (t[1] == "482" || t[1] == "472" || t[1] == "403" || t[1] == "442")) return Match.Fail;
                return Match.Continue;
            }, o.StepTimeout, $"the MODE +k echo for {chan}", ct);
            return new IrcSession(c, chan);
        }
        catch
        {
            await c.DisposeAsync();
            throw;
        }
    }

    public async Task<IChatSession> JoinGroupAsync(MemberSpec m, string groupKey, string password, CancellationToken ct)
    {
        var c = await RegisterAsync(m.Name, ct);
        try
        {
            await JoinChannelAsync(c, m.Name, groupKey, password, ct);
            return new IrcSession(c, groupKey);
        }
        catch
        {
            await c.DisposeAsync();
            throw;
        }
    }

    private sealed class IrcSession : IChatSession
    {
        private readonly LineConnection _c;
        private readonly byte[] _prefix;
        private byte[] _buf = new byte[600];

        public IrcSession(LineConnection c, string chan)
        {
            _c = c;
            GroupKey = chan;
            _prefix = Text.Utf8.GetBytes($"PRIVMSG {chan} :");
        }

        public string GroupKey { get; }
        public string Door => "irc";
        public bool IsOpen => _c.IsOpen;
        public Task Completion => _c.Completion;
        public long PendingSendBytes => _c.PendingSendBytes;
        public string? CloseReason => _c.CloseReason;

        public void SetSink(IDeliverySink sink)
        {
            _c.ForwardControlLines = false;
            _c.Sink = sink;
        }

        public void SendChat(ReadOnlySpan<byte> text)
        {
            int n = _prefix.Length + text.Length + 2;
            if (_buf.Length < n) _buf = new byte[n * 2];
            _prefix.CopyTo(_buf, 0);
            text.CopyTo(_buf.AsSpan(_prefix.Length));
            _buf[n - 2] = (byte)'\r';
            _buf[n - 1] = (byte)'\n';
            _c.Send(_buf.AsSpan(0, n));
        }

        public async Task LeaveAsync(TimeSpan timeout)
        {
            if (!_c.IsOpen) return;
            try
            {
                _c.Sink = null;
                _c.SendText("QUIT :chatload done\r\n");
                await Task.WhenAny(_c.Completion, Task.Delay(timeout));
            }
            catch { }
            finally { await _c.DisposeAsync(); }
        }

        public ValueTask DisposeAsync() => _c.DisposeAsync();
    }
}
