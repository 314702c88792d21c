namespace WebChat.Security;

/// <summary>The <c>Chat:Security</c> section: which other web origins may use the hub from a browser.</summary>
public sealed class SecurityOptions
{
    public const string Section = "Chat:Security";

    /// <summary>Origins (scheme://host:port) besides the app's own that may open /hubs/chat from a browser. Empty: same origin only.</summary>
    public string[] AllowedOrigins { get; set; } = [];
}
