using System.Globalization;
using WebChat.Groups;

namespace WebChat.Gateway;

/// <summary>The dialogue of docs/protocol.md: menu, name, group id, password, chat. Refusals become its lines.</summary>
public sealed partial class TcpSession
{
    private enum State { Menu, JoinName, JoinGroupId, JoinPassword, JoinNameRetry, CreateName, CreatePassword, Chat }

    // Written by the sink too (a removal by the owner sends the session back to the menu).
    private volatile State _state;
    private string? _name;
    private string? _password;
    private int _groupId;
    /// <summary>Completed by the sink at this session's own Left event (see <see cref="OnLeft"/>).</summary>
    private TaskCompletionSource? _left;

    /// <summary>One line of input; false closes the connection.</summary>
    private async ValueTask<bool> HandleLineAsync(string line)
    {
        try
        {
            switch (_state)
            {
                case State.Menu:
                    return Menu(line.Trim());
                case State.JoinName or State.CreateName:
                    _name = Rules.ValidName(line);
                    _state = _state == State.JoinName ? State.JoinGroupId : State.CreatePassword;
                    Prompt();
                    break;
                case State.JoinGroupId:
                    await GroupIdAsync(line.Trim());
                    break;
                case State.JoinPassword:
                    _password = line;
                    await JoinAsync();
                    break;
                case State.JoinNameRetry:
                    _name = Rules.ValidName(line);
                    await JoinAsync();
                    break;
                case State.CreatePassword:
                    await CreateAsync(line);
                    break;
                case State.Chat:
                    await ChatAsync(line);
                    break;
            }
        }
        catch (ChatException e)
        {
            Refused(e);
        }
        return true;
    }

    private bool Menu(string choice)
    {
        switch (choice)
        {
            case "":
                return true;
            case "1":
                _state = State.JoinName;
                break;
            case "2":
                _state = State.CreateName;
                break;
            case "3":
                Send(GatewayTexts.ExitServer);
                return false;
            default:
                Send(GatewayTexts.InvalidOption);
                break;
        }
        Prompt();
        return true;
    }

    private async Task GroupIdAsync(string text)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 && await _groups.ExistsAsync(id))
        {
            _groupId = id;
            _state = State.JoinPassword;
        }
        else Send(GatewayTexts.NoSuchGroup);
        Prompt();
    }

    private async Task JoinAsync()
    {
        _out.Hold();
        JoinedGroup joined;
        try { joined = await _groups.JoinAsync(Member, _groupId, _name, _password); }
        catch { _out.Release(null); throw; }
        _password = null;
        Entered(joined, GatewayTexts.Connected(joined.GroupId));
    }

    private async Task CreateAsync(string password)
    {
        _out.Hold();
        JoinedGroup created;
        try { created = await _groups.CreateAsync(Member, _name, password); }
        catch { _out.Release(null); throw; }
        Entered(created, GatewayTexts.Created(created.GroupId));
    }

    /// <summary>The join's reply and history go out before any event held back meanwhile.</summary>
    private void Entered(JoinedGroup joined, string header)
    {
        _groupId = joined.GroupId;
        _state = State.Chat;
        var reply = new System.Text.StringBuilder(header);
        foreach (var message in joined.History) reply.Append(GatewayTexts.Chat(message.Sender, message.Text));
        if (!_out.Release(GatewayTexts.Bytes(reply.ToString()))) DropSlowReceiver();
    }

    private async Task ChatAsync(string line)
    {
        var command = line.Trim();
        if (command.Equals("Exit", StringComparison.OrdinalIgnoreCase) || command.Equals("/exit", StringComparison.OrdinalIgnoreCase))
        {
            var left = _left = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await _groups.LeaveAsync(Member, _groupId);
            // Lines of the group from before the leave are queued by the time the sink sees it.
            await left.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _left = null;
            _state = State.Menu;
            Send(GatewayTexts.YouLeft);
            Prompt();
        }
        else if (command.Equals("/who", StringComparison.OrdinalIgnoreCase))
            Send(GatewayTexts.Bytes(GatewayTexts.Members(_groupId, await _groups.MembersAsync(_groupId), await _groups.OwnerAsync(_groupId))));
        else if (Argument(command, "/remove", "/kick") is { } removeWhom)
        {
            if (removeWhom.Length == 0) Send(GatewayTexts.Bytes(GatewayTexts.Usage("/remove")));
            else await _groups.RemoveMemberAsync(Member, _groupId, removeWhom);
        }
        else if (Argument(command, "/owner") is { } newOwner)
        {
            if (newOwner.Length == 0) Send(GatewayTexts.Bytes(GatewayTexts.Usage("/owner")));
            else await _groups.TransferOwnershipAsync(Member, _groupId, newOwner);
        }
        else if (Argument(line.TrimStart(), "/password") is not null)
            // The new password is the rest of the line after one space, as typed (it may hold spaces).
            await _groups.ChangePasswordAsync(Member, _groupId, PasswordArgument(line));
        else if (command.Equals("/help", StringComparison.OrdinalIgnoreCase))
            Send(GatewayTexts.Help);
        else if (command.Length > 0)
            await _groups.SendAsync(Member, _groupId, line);
    }

    /// <summary>The argument of a command (<c>/remove NAME</c>), trimmed; null if the line is another command or text.</summary>
    private static string? Argument(string command, params string[] names)
    {
        foreach (var name in names)
        {
            if (!command.StartsWith(name, StringComparison.OrdinalIgnoreCase)) continue;
            if (command.Length == name.Length) return "";
            if (char.IsWhiteSpace(command[name.Length])) return command[(name.Length + 1)..].Trim();
        }
        return null;
    }

    private static string PasswordArgument(string line)
    {
        var start = line.Length - line.TrimStart().Length + "/password".Length;
        return start < line.Length ? line[(start + 1)..] : "";
    }

    private void Refused(ChatException e)
    {
        switch (e.Error)
        {
            case ChatError.NotOwner:
                Send(GatewayTexts.NotOwner);
                break;
            case ChatError.UnknownMember or ChatError.InvalidTarget:
                Notice(e);
                break;
            case ChatError.TooManyGroups:
                Notice(e);
                _state = State.Menu;
                break;
            case ChatError.TooManyAttempts or ChatError.Busy:
                Notice(e);
                break;
            case ChatError.WrongPassword:
                Send(GatewayTexts.WrongPassword);
                _state = State.JoinPassword;
                break;
            case ChatError.UnknownGroup:
                Send(GatewayTexts.NoSuchGroup);
                _state = State.JoinGroupId;
                break;
            case ChatError.InvalidName or ChatError.NameTaken:
                Notice(e);
                if (_state is State.JoinPassword) _state = State.JoinNameRetry;
                break;
            case ChatError.InvalidPassword or ChatError.Throttled or ChatError.TooFast or ChatError.MessageTooLong:
                Notice(e);
                break;
            default:
                // Not (or no longer) a member, or the store is unavailable: back to the menu.
                Notice(e);
                _state = State.Menu;
                break;
        }
        Prompt();
    }

    private void Prompt()
    {
        var prompt = _state switch
        {
            State.Menu => GatewayTexts.Menu,
            State.JoinName or State.JoinNameRetry or State.CreateName => GatewayTexts.EnterName,
            State.JoinGroupId => GatewayTexts.EnterGroupId,
            State.JoinPassword => GatewayTexts.EnterPassword,
            State.CreatePassword => GatewayTexts.EnterNewPassword,
            _ => null,
        };
        if (prompt is not null) Send(prompt);
    }

    private void Notice(ChatException e) => Send(GatewayTexts.Bytes(GatewayTexts.Notice(e.Message)));
}
