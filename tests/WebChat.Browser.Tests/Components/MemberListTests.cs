using Bunit;
using WebChat.Components;

namespace WebChat.Browser.Tests.Components;

public sealed class MemberListTests : BunitContext
{
    [Fact]
    public void ListsEveryMemberAndMarksTheViewerByTheExactName()
    {
        var list = Render<MemberList>(p => p.Add(l => l.Members, ["Shoham", "Hadas", "HADAS"]).Add(l => l.Me, "Hadas"));

        var items = list.FindAll("#members > li");
        Assert.Equal(["Shoham", "Hadas", "HADAS"], items.Select(i => i.QuerySelector(".member-name")!.TextContent));
        Assert.Equal([true, false, true], items.Select(i => i.QuerySelector(".you")!.HasAttribute("hidden")));
        Assert.Equal("S", items[0].QuerySelector(".avatar")!.TextContent);
        Assert.Equal("BDI", items[0].QuerySelector(".member-name")!.TagName);
    }

    [Fact]
    public void MarksTheOwnerWithTheWordOwner()
    {
        var list = Render<MemberList>(p => p.Add(l => l.Members, ["Shoham", "Hadas"]).Add(l => l.Me, "Shoham").Add(l => l.Owner, "Hadas"));

        var items = list.FindAll("#members > li");
        Assert.True(items[0].QuerySelector(".owner-mark")!.HasAttribute("hidden"));
        var mark = items[1].QuerySelector(".owner-mark")!;
        Assert.False(mark.HasAttribute("hidden"));
        Assert.Equal("owner", mark.TextContent);
        // Shoham does not own the group: no moderation buttons anywhere.
        Assert.All(items, i => Assert.True(i.QuerySelector(".member-actions")!.HasAttribute("hidden")));
    }

    [Fact]
    public void TheOwnerSeesRemoveAndMakeOwnerForEachOtherMember()
    {
        var list = Render<MemberList>(p => p.Add(l => l.Members, ["Hadas", "Shoham", "שוהם"]).Add(l => l.Me, "Hadas").Add(l => l.Owner, "Hadas"));

        var items = list.FindAll("#members > li");
        Assert.True(items[0].QuerySelector(".member-actions")!.HasAttribute("hidden"));
        foreach (var (item, name) in items.Skip(1).Zip(["Shoham", "שוהם"]))
        {
            Assert.False(item.QuerySelector(".member-actions")!.HasAttribute("hidden"));
            Assert.Equal([$"Remove {name}", $"Make {name} owner"], item.QuerySelectorAll(".member-actions button").Select(b => b.TextContent));
            Assert.All(item.QuerySelectorAll("button"), b => Assert.Equal("button", b.GetAttribute("type")));
            Assert.True(item.QuerySelector(".member-confirm")!.HasAttribute("hidden"));
        }
    }

    [Fact]
    public void TheTemplateCarriesTheOwnerMarkTheButtonsAndTheConfirmationHidden()
    {
        var item = Render<MemberList>().Find("template#member-template").TemplateItem();

        Assert.True(item.QuerySelector("[data-field=owner]")!.HasAttribute("hidden"));
        Assert.True(item.QuerySelector("[data-field=actions]")!.HasAttribute("hidden"));
        Assert.True(item.QuerySelector("[data-field=confirm]")!.HasAttribute("hidden"));
        Assert.Equal(2, item.QuerySelectorAll("[data-field=action-name]").Length);
        Assert.Equal("Cancel", item.QuerySelector("[data-action=cancel]")!.TextContent);
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
