using Bunit;
using WebChat.Components;

namespace WebChat.Browser.Tests.Components;

public sealed class MemberListTests : BunitContext
{
    [Fact]
    public void ListsEveryMemberAndMarksTheViewer()
    {
        var list = Render<MemberList>(p => p.Add(l => l.Members, ["Shoham", "Hadas"]).Add(l => l.Me, "HADAS"));

        var items = list.FindAll("#members > li");
        Assert.Equal(["Shoham", "Hadas"], items.Select(i => i.QuerySelector(".member-name")!.TextContent));
        Assert.True(items[0].QuerySelector(".you")!.HasAttribute("hidden"));
        Assert.False(items[1].QuerySelector(".you")!.HasAttribute("hidden"));
        Assert.Equal("S", items[0].QuerySelector(".avatar")!.TextContent);
    }

    [Fact]
    public void RendersAHostileNameAsText()
    {
        const string name = "<img src=x onerror=alert(1)>";
        var list = Render<MemberList>(p => p.Add(l => l.Members, [name]));

        Assert.Equal(name, list.Find(".member-name").TextContent);
        Assert.Equal(name, list.Find("li").GetAttribute("data-name"));
        Assert.Empty(list.FindAll("#members img"));
        Assert.Equal("<", list.Find(".avatar").TextContent);
    }

    [Fact]
    public void IsEmptyWithoutMembersAndShipsATemplate()
    {
        var list = Render<MemberList>();

        Assert.Empty(list.FindAll("#members > li"));
        Assert.Equal("", list.Find("template#member-template").TemplateItem().QuerySelector("[data-field=name]")!.TextContent);
    }

    [Theory]
    [InlineData("Alice", "A")]
    [InlineData("  élodie ", "É")]
    [InlineData("", "")]
    public void AnAvatarShowsTheFirstLetter(string name, string initial) => Assert.Equal(initial, Avatar.Initial(name));

    [Fact]
    public void AnAvatarColourDependsOnlyOnTheName()
    {
        Assert.Equal(Avatar.Hue("Yael"), Avatar.Hue("Yael"));
        Assert.InRange(Avatar.Hue("Omer"), 0, Avatar.Hues - 1);
        Assert.NotEqual(Avatar.Hue("Yael"), Avatar.Hue("Omer"));
    }
}
