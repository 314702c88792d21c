using Bunit;
using WebChat.Components;

namespace WebChat.Browser.Tests.Components;

public sealed class LobbyFormTests : BunitContext
{
    [Fact]
    public void HasTheContractsLabelledInputsAndButtons()
    {
        var form = Render<LobbyForm>();

        Assert.Equal("Your name", form.Find("label[for=user-name]").TextContent);
        Assert.Equal("Password", form.Find("label[for=password]").TextContent);
        Assert.Equal("Group ID", form.Find("label[for=group-id]").TextContent);
        Assert.Equal("password", form.Find("#password").GetAttribute("type"));
        Assert.Equal("Create group", form.Find("#create-group").TextContent);
        Assert.Equal("Join group", form.Find("#join-group").TextContent);
        Assert.Equal("submit", form.Find("#create-group").GetAttribute("type"));
    }

    [Fact]
    public void CarriesTheInputLimitsAndTheValidationWords()
    {
        var form = Render<LobbyForm>();

        Assert.Equal("32", form.Find("#user-name").GetAttribute("maxlength"));
        Assert.Equal("128", form.Find("#password").GetAttribute("maxlength"));
        Assert.Equal("Enter your name first.", form.Find("#user-name").GetAttribute("data-required-message"));
        Assert.Equal("Enter the group's password.", form.Find("#password").GetAttribute("data-required-message"));
        Assert.Equal("A group ID is a whole number, like 3.", form.Find("#group-id").GetAttribute("data-invalid-message"));
        Assert.Equal("numeric", form.Find("#group-id").GetAttribute("inputmode"));
    }

    [Fact]
    public void PostsSoThatAPasswordNeverLandsInAUrl()
    {
        var form = Render<LobbyForm>();

        Assert.Equal("post", form.Find("form").GetAttribute("method"));
        Assert.Null(form.Find("#password").GetAttribute("value"));
    }

    [Fact]
    public void ShowsNoErrorUntilThereIsOne()
    {
        var form = Render<LobbyForm>();

        var alert = form.Find("[role=alert]");
        Assert.Equal("", alert.TextContent);
        Assert.Contains("entry-error", form.Find("#user-name").GetAttribute("aria-describedby"));
    }

    [Fact]
    public void ShowsAnErrorAsText()
    {
        var form = Render<LobbyForm>(p => p.Add(f => f.Error, "Wrong password for <b>group</b> 3"));

        var alert = form.Find("#entry-error");
        Assert.Equal("Wrong password for <b>group</b> 3", alert.TextContent);
        Assert.Empty(alert.QuerySelectorAll("b"));
    }

    [Fact]
    public void FillsTheGroupIdOfAnInviteLink()
    {
        var form = Render<LobbyForm>(p => p.Add(f => f.GroupId, 7));

        Assert.Equal("7", form.Find("#group-id").GetAttribute("value"));
    }
}
