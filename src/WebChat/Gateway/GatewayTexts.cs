using System.Text;

namespace WebChat.Gateway;

/// <summary>The gateway's words (docs/protocol.md): the original Python chat's, byte for byte, each ending with a newline.</summary>
internal static class GatewayTexts
{
    public static readonly byte[] Menu = Bytes(
        "Hello client, please choose an option: \n 1. Connect to a group chat. \n 2. Create a group chat. \n 3. Exit the server. \n");
    public static readonly byte[] EnterName = Bytes("Enter your name: \n");
    public static readonly byte[] EnterGroupId = Bytes("Enter group ID: \n");
    public static readonly byte[] NoSuchGroup = Bytes("There is no group id like this,try again\n");
    public static readonly byte[] EnterPassword = Bytes("Enter password: \n");
    public static readonly byte[] WrongPassword = Bytes("There is no group password like this,try again\n");
    public static readonly byte[] EnterNewPassword = Bytes("Enter password for the group: \n");
    public static readonly byte[] ExitServer = Bytes("Exit the chat \n");
    public static readonly byte[] InvalidOption = Bytes("You chose an invalid option... \n");
    public static readonly byte[] YouLeft = Bytes("You chose exit so you removed from the group. \n");
    public static readonly byte[] ShuttingDown = Bytes("Server is shutting down\n");
    public static readonly byte[] LineTooLong = Bytes(
        $"Your line was too long (over {LineFramer.MaxLineBytes / 1024} KiB); it was discarded\n");
    public static readonly byte[] Help = Bytes(
        "Commands:\n /who - who is in the group\n /help - this list\n Exit or /exit - leave the group and return to the menu\n" +
        "The owner of the group can also use:\n /remove NAME (or /kick NAME) - remove a member\n /password NEW - change the group's password\n" +
        " /owner NAME - make another member the owner\n" +
        "Anything else you type is sent to the group.\n");
    public static readonly byte[] NotOwner = Bytes("Only the owner of the group can do that \n");
    public static readonly byte[] PasswordChangedToOwner = Bytes("The group's password is changed \n");

    public static string Connected(int groupId) => $"You're connected to group chat #{groupId}\n";
    public static string Created(int groupId) =>
        $"The id of the group is:{groupId}\nYou're connected to group chat #{groupId}\nYou can start to talk!\n";
    public static string Joined(string name) => $"{name} has joined the group \n";
    public static string Left(string name) => $"{name} has removed from the group \n";
    public static string Members(int groupId, string[] names, string? owner) =>
        $"Members of group #{groupId}: {string.Join(", ", names.Select(n => n == owner ? n + " (owner)" : n))}\n";
    public static string YouWereRemoved(string owner) => $"You were removed from the group by {owner}. \n";
    public static string WasRemoved(string name, string owner) => $"{name} was removed from the group by {owner} \n";
    public static string PasswordChanged(string owner) => $"{owner} changed the group's password \n";
    public static string OwnerChanged(string name) => $"{name} is now the owner of the group \n";
    public static string Usage(string command) => $"Usage: {command} NAME\n";
    public static string IdleClosed(int seconds) => $"You were idle in the menu for {seconds} seconds; closing the connection\n";
    public static string TooManyConnections(int limit) =>
        $"Too many connections from your address (at most {limit} at once); this one is closed\n";

    /// <summary>
    /// A chat line. A text that holds line breaks (possible from the hub) stays one line here: each break is shown as
    /// a space. The core stores texts without control characters but TAB and LF; any that still got here (and
    /// U+2028/U+2029, which some terminals break on) is made harmless too, so no text can forge a line or send a
    /// terminal escape.
    /// </summary>
    public static string Chat(string name, string text) => $"{name}: {OneLine(text)}\n";

    internal static string OneLine(string text)
    {
        var i = text.AsSpan().IndexOfAny(Unsafe);
        if (i < 0) return text;
        var line = new StringBuilder(text.Length);
        line.Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') continue;
            if (c is '\n' or '\r' or '\v' or '\f' or '\u0085' or '\u2028' or '\u2029') line.Append(' ');
            else if (c == '\t' || !Unsafe.Contains(c)) line.Append(c);
        }
        return line.ToString();
    }

    /// <summary>Every C0 control but TAB, DEL, every C1 control, and the Unicode line and paragraph separators.</summary>
    private static readonly System.Buffers.SearchValues<char> Unsafe = System.Buffers.SearchValues.Create(
        string.Concat(Enumerable.Range(0, 0x20).Where(c => c != '\t').Concat(Enumerable.Range(0x7F, 0x21)).Select(c => (char)c)) +
        "\u2028\u2029");

    /// <summary>A refusal from the core, in its own plain words.</summary>
    public static string Notice(string message) => message + "\n";

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
