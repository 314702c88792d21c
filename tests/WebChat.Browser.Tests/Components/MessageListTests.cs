using Bunit;
using WebChat.Components;
using WebChat.Groups;

namespace WebChat.Browser.Tests.Components;

public sealed class MessageListTests : BunitContext
{
    private static readonly DateTime SentAt = new(2026, 11, 24, 7, 30, 0, DateTimeKind.Utc);

    [Fact]
    public void SetsTheViewersOwnMessagesApartByTheExactNameTheServerGave()
    {
        var list = Render<MessageList>(p => p
            .Add(l => l.Me, "Hadas")
            .Add(l => l.Messages, [new ChatMessage(1, 1, "Shoham", "a", SentAt), new ChatMessage(2, 1, "Hadas", "b", SentAt), new ChatMessage(3, 1, "hadas", "c", SentAt)]));

        var items = list.FindAll("#messages > li");
        Assert.Equal("message", items[0].ClassName);
        Assert.Equal("message mine", items[1].ClassName);
        Assert.Equal("message", items[2].ClassName);
        Assert.Equal("2", items[1].GetAttribute("data-id"));
    }

    [Fact]
    public void EachNameAndTextKeepsItsOwnDirection()
    {
        var list = Render<MessageList>(p => p.Add(l => l.Messages, [new ChatMessage(1, 1, "הדס", "שלום שוהם!!!! מה נשמע?", SentAt)]));

        Assert.Equal("BDI", list.Find(".sender").TagName);
        Assert.Equal("הדס", list.Find(".sender").TextContent);
        Assert.Equal("auto", list.Find(".text").GetAttribute("dir"));
        Assert.Equal("auto", list.Find("template#message-template").TemplateItem().QuerySelector(".text")!.GetAttribute("dir"));
    }

    [Fact]
    public void TheLogIsTheScrollingRegionAndTheListKeepsItsListSemantics()
    {
        var list = Render<MessageList>();

        var log = list.Find("[role=log]");
        Assert.Equal("messages-scroll", log.Id);
        Assert.Equal("0", log.GetAttribute("tabindex"));
        Assert.Equal("Conversation so far", log.GetAttribute("aria-label"));
        Assert.Null(list.Find("#messages").GetAttribute("role"));
        Assert.Equal("OL", list.Find("#messages").TagName);
    }

    [Fact]
    public void RendersHostileNamesAndTextsAsText()
    {
        const string name = "<img src=x onerror=alert(1)>";
        const string text = "<script>alert(1)</script> & <b>bold</b>";
        var list = Render<MessageList>(p => p.Add(l => l.Messages, [new ChatMessage(1, 1, name, text, SentAt)]));

        Assert.Equal(name, list.Find(".sender").TextContent);
        Assert.Equal(text, list.Find(".text").TextContent);
        Assert.Empty(list.FindAll("#messages img, #messages script, #messages b"));
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", list.Markup);
    }

    [Fact]
    public void StampsEachMessageWithItsUtcTimeForTheScriptToLocalise()
    {
        var list = Render<MessageList>(p => p.Add(l => l.Messages, [new ChatMessage(1, 1, "A", "b", SentAt)]));

        var time = list.Find("time");
        Assert.Equal("2026-11-24T07:30:00.0000000Z", time.GetAttribute("datetime"));
        Assert.Equal("07:30 UTC", time.TextContent);
    }

    [Fact]
    public void ShowsAnEmptyStateAndShipsTemplates()
    {
        var list = Render<MessageList>();

        Assert.Empty(list.FindAll("#messages > li"));
        Assert.False(list.Find("#no-messages").HasAttribute("hidden"));
        Assert.NotNull(list.Find("template#message-template").TemplateItem().QuerySelector("[data-field=sender]"));
        Assert.Equal("", list.Find("template#notice-template").TemplateItem().QuerySelector("[data-field=text]")!.TextContent);
    }

    [Fact]
    public void ANoticeIsTextWithEachNameIsolated()
    {
        var notice = Render<NoticeItem>(p => p.Add(n => n.Parts, [NoticeItem.NoticePart.Name("<i>Dana</i>"), " was removed from the group by ", NoticeItem.NoticePart.Name("הדס")]));

        Assert.Equal("<i>Dana</i> was removed from the group by הדס", notice.Find("li.notice").TextContent);
        Assert.Empty(notice.FindAll("i"));
        Assert.Equal(["<i>Dana</i>", "הדס"], notice.FindAll("bdi").Select(b => b.TextContent));
    }
}
