using Bunit;
using WebChat.Components;
using WebChat.Groups;

namespace WebChat.Browser.Tests.Components;

public sealed class MessageListTests : BunitContext
{
    private static readonly DateTime SentAt = new(2026, 11, 24, 7, 30, 0, DateTimeKind.Utc);

    [Fact]
    public void SetsTheViewersOwnMessagesApart()
    {
        var list = Render<MessageList>(p => p
            .Add(l => l.Me, "hadas")
            .Add(l => l.Messages, [new ChatMessage(1, 1, "Shoham", "a", SentAt), new ChatMessage(2, 1, "Hadas", "b", SentAt)]));

        var items = list.FindAll("#messages > li");
        Assert.Equal("message", items[0].ClassName);
        Assert.Equal("message mine", items[1].ClassName);
        Assert.Equal("2", items[1].GetAttribute("data-id"));
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
    public void ANoticeIsText()
    {
        var notice = Render<NoticeItem>(p => p.Add(n => n.Text, "<i>Dana</i> joined the group"));

        Assert.Equal("<i>Dana</i> joined the group", notice.Find("li.notice").TextContent);
        Assert.Empty(notice.FindAll("i"));
    }
}
