using System.Diagnostics;
using WebChat.Groups;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Limits;

/// <summary>
/// A hub client looping on one call cannot take a core: refusals, ListGroups and ignored blank messages are
/// answered at most four times a second per connection. Lower bounds on time only, which the server enforces
/// (nine answers have at least eight quarter-second pauses between them; 1.9 s leaves room for the clocks'
/// resolution); how fast unpaced calls are is not timed here, only that they all arrive.
/// </summary>
public class PacingTests
{
    [Fact]
    public async Task ALoopOfRefusedCallsListGroupsOrBlankMessagesGetsAtMostFourAnswersASecondAndOthersAreNotSlowed()
    {
        await using var app = new WebChatApplication();
        await using var looper = await ChatClient.ConnectAsync(app);
        await using var other = await ChatClient.ConnectAsync(app);
        var g = (await other.CreateGroup("Other", "pw")).GroupId;
        await looper.JoinGroup(g, "Looper", "pw");

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 9; i++) await Refusal.ExpectAsync(ChatError.AlreadyMember, () => looper.JoinGroup(g, "Again", "pw"));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9), $"9 refusals in {clock.Elapsed}");

        clock.Restart();
        for (var i = 0; i < 9; i++) await looper.ListGroups();
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9), $"9 lists in {clock.Elapsed}");

        clock.Restart();
        for (var i = 0; i < 9; i++) Assert.Null(await looper.Send(g, "   "));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9), $"9 blank messages in {clock.Elapsed}");

        // Ordinary messages are accepted and delivered in order after the paced calls.
        for (var i = 0; i < 19; i++) Assert.NotNull(await looper.Send(g, $"m{i}"));
        for (var i = 0; i < 19; i++) Assert.Equal($"m{i}", (await other.NextMessageAsync()).Text);
    }
}
