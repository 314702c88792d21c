namespace WebChat.Store.Redis;

public static class RedisExtensions
{
    /// <summary>With <c>ConnectionStrings:Redis</c> set, the shared Redis store replaces the in-memory one (scale-out).</summary>
    public static WebApplicationBuilder AddChatRedis(this WebApplicationBuilder builder)
    {
        // Filled in by the scale-out work (issue 12).
        return builder;
    }
}
