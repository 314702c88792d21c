using System.Globalization;
using System.Text;

namespace WebChat.Groups;

/// <summary>
/// The input rules every door shares (docs/honest-text.md). Lengths count Unicode characters (code points).
/// Names are normalized to NFKC and refused when they hold characters that hide, reorder or imitate text;
/// message texts lose every control character but TAB and line breaks before they are stored.
/// </summary>
public static class Rules
{
    public const int MaxNameLength = 32;
    public const int MaxPasswordLength = 128;
    public const int MaxMessageLength = 2000;

    /// <summary>Longer raw input is refused before any normalization work (NFKC never shrinks text this much).</summary>
    private const int MaxRawNameUnits = 8 * MaxNameLength;

    /// <summary>The name as it will be shown and stored: trimmed, NFKC. Throws <see cref="ChatError.InvalidName"/> with the reason.</summary>
    public static string ValidName(string? userName)
    {
        var raw = userName?.Trim() ?? "";
        if (raw.Length == 0)
            throw InvalidName("Your name must not be empty");
        if (raw.Length > MaxRawNameUnits)
            throw InvalidName($"Your name must be at most {MaxNameLength} characters long");
        for (var i = 0; i < raw.Length; i++)
        {
            if (!char.IsSurrogate(raw[i])) continue;
            if (char.IsHighSurrogate(raw[i]) && i + 1 < raw.Length && char.IsLowSurrogate(raw[i + 1])) { i++; continue; }
            throw InvalidName("Your name contains a broken character (half of a surrogate pair)");
        }

        var name = UnicodeText.NormalizeKC(raw).Trim();
        if (name.Length == 0)
            throw InvalidName("Your name must not be empty");
        if (CountChars(name) > MaxNameLength)
            throw InvalidName($"Your name must be at most {MaxNameLength} characters long");

        foreach (var rune in name.EnumerateRunes())
            if (RefusedCharacter(rune) is { } reason)
                throw InvalidName(reason);
        if (MixedScripts(name) is { } mix)
            throw InvalidName(mix);
        return name;
    }

    /// <summary>
    /// The key under which a valid name (from <see cref="ValidName"/>) is unique in its group: full Unicode case
    /// folding, then NFKC, so "alice", "ALICE" and "\uFF21lice" are one name and "Straße" is "STRASSE". The ASCII
    /// letters of the folded name are upper-cased last (folding leaves none upper-case, so this merges nothing): an
    /// ASCII name keeps the key that stores already hold for live groups, its upper-case form.
    /// </summary>
    public static string NameKey(string validName)
    {
        if (Ascii.IsValid(validName)) return validName.ToUpperInvariant();
        var folded = UnicodeText.CaseFoldKC(validName);
        return string.Create(folded.Length, folded, static (key, text) =>
        {
            for (var i = 0; i < text.Length; i++) key[i] = char.IsAsciiLetterLower(text[i]) ? (char)(text[i] - 32) : text[i];
        });
    }

    public static string ValidPassword(string? password)
    {
        if (string.IsNullOrEmpty(password))
            throw new ChatException(ChatError.InvalidPassword, "The password must not be empty");
        if (CountChars(password) > MaxPasswordLength)
            throw new ChatException(ChatError.InvalidPassword, $"The password must be at most {MaxPasswordLength} characters long");
        return password;
    }

    /// <summary>
    /// The text to store (cleaned by <see cref="CleanText"/>), or null for a message to ignore (empty or all blank
    /// once cleaned). The length limit counts the cleaned text: what the others will see.
    /// </summary>
    public static string? ValidMessage(string? text)
    {
        if (text is null) return null;
        var clean = CleanText(text);
        if (string.IsNullOrWhiteSpace(clean)) return null;
        var length = CountChars(clean);
        if (length > MaxMessageLength)
            throw new ChatException(ChatError.MessageTooLong,
                $"Your message is too long ({length} characters, at most {MaxMessageLength}); it was not sent");
        return clean;
    }

    /// <summary>
    /// A message text without the characters that could act on a terminal or hide in it: TAB and line feeds stay,
    /// CRLF and a lone CR become LF, every other C0 control, DEL and every C1 control (U+0080-U+009F) is removed,
    /// and half of a surrogate pair becomes U+FFFD (as invalid bytes do on the TCP door). Returns the same string when
    /// there is nothing to clean.
    /// </summary>
    public static string CleanText(string text)
    {
        var i = 0;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '\t' or '\n' || (c >= ' ' && c < '\x7F') || (c > '\x9F' && !char.IsSurrogate(c))) continue;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            break;
        }
        if (i == text.Length) return text;

        var clean = new StringBuilder(text.Length);
        clean.Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\r')
            {
                clean.Append('\n');
                if (i + 1 < text.Length && text[i + 1] == '\n') i++;
            }
            else if (c is '\t' or '\n') clean.Append(c);
            else if (c < ' ' || c is >= '\x7F' and <= '\x9F') { }
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                clean.Append(c).Append(text[i + 1]);
                i++;
            }
            else clean.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
        }
        return clean.ToString();
    }

    public static int CountChars(string s)
    {
        // Fast path: no surrogates means one char per code point.
        var count = 0;
        foreach (var c in s)
            if (!char.IsLowSurrogate(c)) count++;
        return count;
    }

    /// <summary>Why a character may not be in a name, or null if it may.</summary>
    private static string? RefusedCharacter(Rune rune)
    {
        var cp = rune.Value;
        if (cp < 0x7F) return cp < 0x20 ? "Your name must not contain control characters" : null;
        if (IsBidiControl(cp))
            return $"Your name must not contain characters that change the direction of text ({CodePoint(cp)})";
        var category = Rune.GetUnicodeCategory(rune);
        switch (category)
        {
            case UnicodeCategory.Control:
                return "Your name must not contain control characters";
            case UnicodeCategory.Surrogate:
                return "Your name contains a broken character (half of a surrogate pair)";
            case UnicodeCategory.PrivateUse:
                return $"Your name must not contain private-use characters ({CodePoint(cp)}): they look different everywhere";
        }
        if (category == UnicodeCategory.Format || UnicodeText.IsDefaultIgnorable(cp))
            return $"Your name must not contain invisible or formatting characters ({CodePoint(cp)})";
        if (category == UnicodeCategory.OtherNotAssigned)
            return $"Your name contains a character that is not assigned in Unicode ({CodePoint(cp)})";
        if (UnicodeText.ScriptOf(cp) == UnicodeText.Unknown)
            return $"Your name contains a character this server does not know yet ({CodePoint(cp)}, newer than Unicode {UnicodeText.Version})";
        return null;
    }

    private static bool IsBidiControl(int cp) =>
        cp is (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069) or 0x200E or 0x200F or 0x061C;

    private static readonly string[][] AllowedWithLatin =
    [
        ["Latin", "Han", "Hiragana", "Katakana"], // Japanese
        ["Latin", "Han", "Bopomofo"], // Chinese
        ["Latin", "Han", "Hangul"], // Korean
    ];

    /// <summary>
    /// Unicode Technical Standard #39, "moderately restrictive": one script, or Latin with Han and Hiragana/Katakana,
    /// Bopomofo or Hangul, or Latin with any one other script but Cyrillic and Greek, whose letters look like Latin
    /// ones. Common and Inherited characters (digits, spaces, punctuation, combining marks) belong to every script.
    /// </summary>
    private static string? MixedScripts(string name)
    {
        List<string>? scripts = null;
        var first = "";
        foreach (var rune in name.EnumerateRunes())
        {
            var script = rune.Value < 0x80
                ? (char.IsAsciiLetter((char)rune.Value) ? "Latin" : UnicodeText.Common)
                : UnicodeText.ScriptOf(rune.Value);
            if (script is UnicodeText.Common or UnicodeText.Inherited || script == first) continue;
            if (first.Length == 0) { first = script; continue; }
            scripts ??= [first];
            if (!scripts.Contains(script)) scripts.Add(script);
        }
        if (scripts is null) return null;
        if (AllowedWithLatin.Any(set => scripts.All(set.Contains))) return null;
        var lookalike = scripts.FirstOrDefault(s => s is "Cyrillic" or "Greek");
        if (scripts.Count == 2 && scripts.Contains("Latin") && lookalike is null) return null;
        return scripts.Contains("Latin") && lookalike is not null
            ? $"Your name mixes Latin letters with {lookalike} ones, which can make it look like someone else's; write it in one alphabet"
            : $"Your name mixes letters of {Join(scripts)}; write it in one script (Latin may go with one other)";
    }

    private static string Join(List<string> scripts) =>
        scripts.Count == 2 ? $"{scripts[0]} and {scripts[1]}" : $"{string.Join(", ", scripts[..^1])} and {scripts[^1]}";

    private static string CodePoint(int cp) => $"U+{cp:X4}";

    private static ChatException InvalidName(string reason) => new(ChatError.InvalidName, reason);
}
