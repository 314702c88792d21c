using WebChat.Groups;
using WebChat.Tests.Infrastructure;

namespace WebChat.Scale.Tests.Infrastructure;

public static class Listening
{
    /// <summary>The next <paramref name="count"/> messages a client hears (joins and leaves in between are skipped).</summary>
    public static async Task<List<ChatMessage>> MessagesAsync(this ChatClient client, int count, TimeSpan timeout)
    {
        var messages = new List<ChatMessage>(count);
        var deadline = DateTime.UtcNow + timeout;
        while (messages.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"Heard {messages.Count} of {count} messages");
            if (await client.Heard.NextAsync(left) is HeardMessage heard) messages.Add(heard.Message);
        }
        return messages;
    }
}
