using Bunit;
using WebChat.Components;
using WebChat.Groups;

namespace WebChat.Browser.Tests.Components;

public sealed class OpenGroupsTests : BunitContext
{
    [Fact]
    public void ListsEachGroupWithItsMemberCount()
    {
        var list = Render<OpenGroups>(p => p.Add(c => c.Groups, [new GroupSummary(1, 1), new GroupSummary(4, 3)]));

        var rows = list.FindAll("#open-groups > li");
        Assert.Equal(2, rows.Count);
        Assert.Equal("Group #1", rows[0].QuerySelector(".group-number")!.TextContent);
        Assert.Equal("1 member", rows[0].QuerySelector(".group-count")!.TextContent);
        Assert.Equal("3 members", rows[1].QuerySelector(".group-count")!.TextContent);
        Assert.Equal("4", rows[1].QuerySelector("button")!.GetAttribute("data-group-id"));
        Assert.True(list.Find("#no-groups").HasAttribute("hidden"));
    }

    [Fact]
    public void ListsAtMostFiftyAndCountsTheRest()
    {
        var groups = Enumerable.Range(1, 53).Select(id => new GroupSummary(id, 2)).ToList();
        var list = Render<OpenGroups>(p => p.Add(c => c.Groups, groups));

        Assert.Equal(OpenGroups.MaxShown, list.FindAll("#open-groups > li").Count);
        var more = list.Find("#more-groups");
        Assert.False(more.HasAttribute("hidden"));
        Assert.Equal("and 3 more open groups", more.TextContent);
    }

    [Fact]
    public void SaysNothingMoreWhenAllAreListed()
    {
        var list = Render<OpenGroups>(p => p.Add(c => c.Groups, [new GroupSummary(1, 1)]));

        Assert.True(list.Find("#more-groups").HasAttribute("hidden"));
    }

    [Fact]
    public void SaysSoWhenNoGroupIsOpen()
    {
        var list = Render<OpenGroups>();

        Assert.Empty(list.FindAll("#open-groups > li"));
        var empty = list.Find("#no-groups");
        Assert.False(empty.HasAttribute("hidden"));
        Assert.Equal("No open groups right now. Create the first one!", empty.TextContent);
    }

    [Fact]
    public void ShipsAnEmptyRowTemplateForTheScript()
    {
        var list = Render<OpenGroups>();

        var template = list.Find("template#group-row-template");
        var row = template.TemplateItem();
        Assert.Equal("group-row", row.ClassName);
        Assert.NotNull(row.QuerySelector("[data-field=number]"));
        Assert.Equal("", row.QuerySelector("[data-field=count]")!.TextContent);
    }

    [Fact]
    public void PickButtonsAreNotMistakenForTheJoinButton()
    {
        var list = Render<OpenGroups>(p => p.Add(c => c.Groups, [new GroupSummary(2, 2)]));

        var name = list.Find("button").TextContent;
        Assert.DoesNotContain("Join group", name, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("group chat", name, StringComparison.OrdinalIgnoreCase);
    }
}
