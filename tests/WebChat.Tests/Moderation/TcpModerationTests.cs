using WebChat.Tests.Gateway;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Moderation;

/// <summary>The owner's commands on the TCP gateway, seen by TCP and hub members.</summary>
public class TcpModerationTests
{
    private const string Help =
        "Commands:\n /who - who is in the group\n /help - this list\n Exit or /exit - leave the group and return to the menu\n" +
        "The owner of the group can also use:\n /remove NAME (or /kick NAME) - remove a member\n /password NEW - change the group's password\n" +
        " /owner NAME - make another member the owner\nAnything else you type is sent to the group.\n";

    [Fact]
    public async Task ATcpOwnerRemovesChangesThePasswordAndHandsOnTheGroupWithTheGatewaysWords()
    {
        await using var app = new WebChatApplication();
        await using var hadas = await TcpChatClient.ConnectToMenuAsync(app);
        var g = await hadas.CreateGroupAsync("Hadas", "old");
        await using var shoham = await ChatClient.ConnectAsync(app, moderation: true);
        Assert.Equal("Hadas", (await shoham.JoinGroup(g, "Shoham", "old")).Owner);
        await hadas.ExpectAsync("Shoham has joined the group \n");
        await using var noa = await TcpChatClient.ConnectToMenuAsync(app);
        await noa.JoinGroupAsync(g, "Noa", "old");
        await hadas.ExpectAsync("Noa has joined the group \n");

        await hadas.SendAsync("/who");
        await hadas.ExpectAsync($"Members of group #{g}: Hadas (owner), Shoham, Noa\n");
        await hadas.SendAsync("/HELP");
        await hadas.ExpectAsync(Help);

        // A new password, as typed after "/password " (spaces included).
        await hadas.SendAsync("/password two words");
        await hadas.ExpectAsync("The group's password is changed \n");
        await noa.ExpectAsync("Hadas changed the group's password \n");
        Assert.Equal(new HeardPasswordChanged(g, "Hadas"), await shoham.Heard.WaitForAsync(h => h is HeardPasswordChanged));
        await using (var late = await ChatClient.ConnectAsync(app))
        {
            await Refusal.ExpectAsync(WebChat.Groups.ChatError.WrongPassword, () => late.JoinGroup(g, "Late", "old"));
            await late.JoinGroup(g, "Late", "two words");
            await late.LeaveGroup(g);
        }
        await hadas.ExpectAsync("Late has joined the group \nLate has removed from the group \n");
        await noa.ExpectAsync("Late has joined the group \nLate has removed from the group \n");

        // /kick a hub member, /remove a TCP member.
        await hadas.SendAsync("/kick shoham");
        Assert.Equal(new HeardRemovedFromGroup(g, "Hadas"), await shoham.Heard.WaitForAsync(h => h is HeardRemovedFromGroup));
        await hadas.ExpectAsync("Shoham was removed from the group by Hadas \n");
        await noa.ExpectAsync("Shoham was removed from the group by Hadas \n");
        await hadas.SendAsync("/remove Noa");
        await noa.ExpectAsync("You were removed from the group by Hadas. \n" + TcpChatClient.Menu);
        await hadas.ExpectAsync("Noa was removed from the group by Hadas \n");
        // Both come back with the password; the removed TCP connection was never closed.
        await noa.JoinGroupAsync(g, "Noa", "two words");
        await shoham.JoinGroup(g, "Shoham", "two words");
        await hadas.ExpectAsync("Noa has joined the group \nShoham has joined the group \n");

        // Commands that need a name say how to use them; unknown names are refused in plain words.
        await hadas.SendAsync("/remove");
        await hadas.ExpectAsync("Usage: /remove NAME\n");
        await hadas.SendAsync("/remove Nobody");
        await hadas.ExpectAsync($"There is no member named \"Nobody\" in group {g}\n");

        // Handing the group on: everyone is told, and the old owner is an ordinary member.
        await hadas.SendAsync("/owner Noa");
        await hadas.ExpectAsync("Noa is now the owner of the group \n");
        await noa.WaitForLineAsync(l => l == "Noa is now the owner of the group ");
        Assert.Equal(new HeardOwnerChanged(g, "Noa"), await shoham.Heard.WaitForAsync(h => h is HeardOwnerChanged));
        await hadas.SendAsync("/remove Noa");
        await hadas.ExpectAsync("Only the owner of the group can do that \n");
        await hadas.SendAsync("/password mine");
        await hadas.ExpectAsync("Only the owner of the group can do that \n");
        await noa.SendAsync("/who");
        await noa.ExpectAsync($"Members of group #{g}: Hadas, Noa (owner), Shoham\n");
    }
}
