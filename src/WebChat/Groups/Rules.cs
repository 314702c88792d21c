using System.Text;

namespace WebChat.Groups;

/// <summary>The input rules of CONTRACT section 1. Lengths count Unicode characters (code points).</summary>
public static class Rules
{
    public const int MaxNameLength = 32;
    public const int MaxPasswordLength = 128;
    public const int MaxMessageLength = 2000;

    public static string ValidName(string? userName)
    {
        var name = userName?.Trim() ?? "";
        if (name.Length == 0)
            throw new ChatException(ChatError.InvalidName, "Your name must not be empty");
        if (CountChars(name) > MaxNameLength)
            throw new ChatException(ChatError.InvalidName, $"Your name must be at most {MaxNameLength} characters long");
        foreach (var rune in name.EnumerateRunes())
            if (Rune.IsControl(rune))
                throw new ChatException(ChatError.InvalidName, "Your name must not contain control characters");
        return name;
    }

    public static string ValidPassword(string? password)
    {
        if (string.IsNullOrEmpty(password))
            throw new ChatException(ChatError.InvalidPassword, "The password must not be empty");
        if (CountChars(password) > MaxPasswordLength)
            throw new ChatException(ChatError.InvalidPassword, $"The password must be at most {MaxPasswordLength} characters long");
        return password;
    }

    /// <summary>Returns null for a message to ignore (empty or all blank).</summary>
    public static string? ValidMessage(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (CountChars(text) > MaxMessageLength)
            throw new ChatException(ChatError.MessageTooLong,
                $"Your message is too long ({CountChars(text)} characters, at most {MaxMessageLength}); it was not sent");
        return text;
    }

    public static int CountChars(string s)
    {
        // Fast path: no surrogates means one char per code point.
        var count = 0;
        foreach (var c in s)
            if (!char.IsLowSurrogate(c)) count++;
        return count;
    }

    /// <summary>The key under which names are unique in a group: compared ignoring case.</summary>
    public static string NameKey(string validName) => validName.ToUpperInvariant();
}
