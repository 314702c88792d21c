using System.Text.RegularExpressions;
using Microsoft.AspNetCore.SignalR;
using WebChat.Groups;

namespace WebChat.Tests.Infrastructure;

/// <summary>
/// A hub refusal as a client reads it: the plain words, then the kind in square brackets
/// (<c>Wrong password for group 7 [WrongPassword]</c>).
/// </summary>
public static partial class Refusal
{
    /// <summary>The kind at the end of a refusal's message, or null when it has none.</summary>
    public static ChatError? KindOf(Exception e) =>
        KindPattern().Match(e.Message) is { Success: true } m && Enum.TryParse<ChatError>(m.Groups[1].Value, out var kind) ? kind : null;

    /// <summary>Runs a hub call that must be refused with <paramref name="kind"/>; returns the refusal.</summary>
    public static async Task<HubException> ExpectAsync(ChatError kind, Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<HubException>(call);
        Assert.True(KindOf(e) == kind, $"Expected a {kind} refusal, got: {e.Message}");
        return e;
    }

    [GeneratedRegex(@"\[(\w+)\]$")]
    private static partial Regex KindPattern();
}
