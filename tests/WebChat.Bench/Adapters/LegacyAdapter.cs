using System.Text.RegularExpressions;

namespace WebChat.Bench.Adapters;

/// <summary>
/// The TCP door's dialogue (docs/protocol.md), the seed's menu: menu, "2" + name + password creates a group
/// ("The id of the group is:N"), "1" + name + id + password joins it. Chat lines end with "\n".
/// Works against the seed server too when the dialogue inputs carry no line terminator
/// (--eol none): the seed compares each recv() chunk with "1"/"2" literally.
/// Prompts are matched by substring because the seed sends some texts without a newline
/// ("You can start to talk!", "...try again"), so they run into the next line.
/// </summary>
public sealed partial class LegacyAdapter(AdapterOptions o) : IChatAdapter
{
    public string Name => "legacy";

    [GeneratedRegex(@"The id of the group is:\s*(\d+)")]
    private static partial Regex GroupIdRx();

    private static Match Expect(string line, string want, params string[] failures)
    {
        foreach (var f in failures)
            if (line.Contains(f, StringComparison.Ordinal)) return Match.Fail;
        return line.Contains(want, StringComparison.Ordinal) ? Match.Done : Match.Continue;
    }

    // Texts that mean "the server did not accept the last input".
    private static readonly string[] MenuFailures = ["invalid option"];

    private async Task<LineConnection> ConnectToMenuAsync(CancellationToken ct)
    {
        var c = await LineConnection.ConnectAsync(o.Host, o.Port, o.ReceiveBufferBytes, ct);
        try
        {
            await c.ExpectAsync(l => Expect(l, "3. Exit the server"), o.StepTimeout, "the menu", ct);
            return c;
        }
        catch
        {
            await c.DisposeAsync();
            throw;
        }
    }

    public async Task<IChatSession> CreateGroupAsync(MemberSpec m, string password, CancellationToken ct)
    {
        var c = await ConnectToMenuAsync(ct);
        try
        {
            c.SendText("2" + o.Eol);
            await c.ExpectAsync(l => Expect(l, "Enter your name:", MenuFailures), o.StepTimeout, "the name prompt", ct);
            c.SendText(m.Name + o.Eol);
            // A refused name repeats the name prompt after a plain-words reason.
            await c.ExpectAsync(l => Expect(l, "Enter password for the group:", "Enter your name:"), o.StepTimeout, "the password prompt", ct);
            c.SendText(password + o.Eol);
            string? id = null;
            await c.ExpectAsync(l =>
            {
                var mm = GroupIdRx().Match(l);
                if (mm.Success) id = mm.Groups[1].Value;
                if (l.Contains("Enter password for the group:")) return Match.Fail;
                return l.Contains("You're connected to group chat #") ? Match.Done : Match.Continue;
            }, o.StepTimeout, "the group id", ct);
            if (id is null) throw new SetupException("server never said 'The id of the group is:N'");
            return new LegacySession(c, id, o);
        }
        catch
        {
            await c.DisposeAsync();
            throw;
        }
    }

    public async Task<IChatSession> JoinGroupAsync(MemberSpec m, string groupKey, string password, CancellationToken ct)
    {
        var c = await ConnectToMenuAsync(ct);
        try
        {
            c.SendText("1" + o.Eol);
            await c.ExpectAsync(l => Expect(l, "Enter your name:", MenuFailures), o.StepTimeout, "the name prompt", ct);
            c.SendText(m.Name + o.Eol);
            await c.ExpectAsync(l => Expect(l, "Enter group ID:", "Enter your name:"), o.StepTimeout, "the group id prompt", ct);
            c.SendText(groupKey + o.Eol);
            await c.ExpectAsync(l => Expect(l, "Enter password:", "There is no group id"), o.StepTimeout, "the password prompt", ct);
            c.SendText(password + o.Eol);
            await c.ExpectAsync(l => Expect(l, "You're connected to group chat #", "There is no group password", "refused", "Too many"),
                o.StepTimeout, "the join confirmation", ct);
            return new LegacySession(c, groupKey, o);
        }
        catch
        {
            await c.DisposeAsync();
            throw;
        }
    }

    private sealed class LegacySession(LineConnection c, string groupKey, AdapterOptions o) : IChatSession
    {
        private static readonly byte[] Lf = "\n"u8.ToArray();
        private static readonly byte[] CrLf = "\r\n"u8.ToArray();
        private readonly byte[] _eol = o.Eol == "\r\n" ? CrLf : Lf; // chat lines always end a line
        private byte[] _buf = new byte[512];

        public string GroupKey => groupKey;

        public string Door => "tcp";
        public bool IsOpen => c.IsOpen;
        public Task Completion => c.Completion;
        public long PendingSendBytes => c.PendingSendBytes;
        public string? CloseReason => c.CloseReason;

        public void SetSink(IDeliverySink sink)
        {
            c.ForwardControlLines = false;
            c.Sink = sink;
        }

        public void SendChat(ReadOnlySpan<byte> text)
        {
            // Called from the single scheduler thread only, so the scratch buffer is safe.
            int n = text.Length + _eol.Length;
            if (_buf.Length < n) _buf = new byte[n * 2];
            text.CopyTo(_buf);
            _eol.CopyTo(_buf.AsSpan(text.Length));
            c.Send(_buf.AsSpan(0, n));
        }

        public async Task LeaveAsync(TimeSpan timeout)
        {
            if (!c.IsOpen) return;
            try
            {
                c.ForwardControlLines = true;
                c.Sink = null;
                c.SendText("Exit" + o.Eol);
                using var cts = new CancellationTokenSource(timeout);
                await c.ExpectAsync(l => l.Contains("You chose exit") ? Match.Done : Match.Continue, timeout, "the exit notice", cts.Token);
                if (c.IsOpen)
                {
                    // Contract: Exit returns to the menu and the connection stays; "3" closes it.
                    // (The seed closes the socket itself after Exit.)
                    await Task.Delay(o.Eol.Length == 0 ? 200 : 0);
                    if (c.IsOpen) c.SendText("3" + o.Eol);
                    await Task.WhenAny(c.Completion, Task.Delay(timeout));
                }
            }
            catch { }
            finally { await c.DisposeAsync(); }
        }

        public ValueTask DisposeAsync() => c.DisposeAsync();
    }
}
