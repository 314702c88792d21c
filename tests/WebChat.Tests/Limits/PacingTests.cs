using System.Diagnostics;
using WebChat.Groups;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Limits;

/// <summary>
/// A hub client looping on one call cannot take a core: refusals, ListGroups and ignored blank messages are
/// answered at most four times a second per connection. (Lower bounds on time only: the server enforces them.)
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
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2), $"9 refusals in {clock.Elapsed}");

        clock.Restart();
        for (var i = 0; i < 9; i++) await looper.ListGroups();
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2), $"9 lists in {clock.Elapsed}");

        clock.Restart();
        for (var i = 0; i < 9; i++) Assert.Null(await looper.Send(g, "   "));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2), $"9 blank messages in {clock.Elapsed}");

        // Ordinary messages are not paced (twenty paced calls would take at least 4.75 s), nor is another connection.
        clock.Restart();
        for (var i = 0; i < 19; i++) await looper.Send(g, $"m{i}");
        await other.ListGroups();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4.75), $"19 messages and another's list in {clock.Elapsed}");
        Assert.Equal("m0", (await other.NextMessageAsync()).Text);
    }
}
