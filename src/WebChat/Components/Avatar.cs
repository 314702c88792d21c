using System.Globalization;

namespace WebChat.Components;

/// <summary>A member's avatar: their first letter and one of eight colours picked from the name (as wwwroot/js/view.js does).</summary>
public static class Avatar
{
    public const int Hues = 8;

    public static string Initial(string? name)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0) return "";
        return StringInfo.GetNextTextElement(trimmed).ToUpperInvariant();
    }

    /// <summary>A 31-multiplier hash of the name's UTF-16 code units, so the script computes the same colour.</summary>
    public static int Hue(string? name)
    {
        uint hash = 0;
        foreach (var c in name ?? "") hash = unchecked(hash * 31 + c);
        return (int)(hash % Hues);
    }
}
