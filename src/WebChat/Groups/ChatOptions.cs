namespace WebChat.Groups;

/// <summary>The <c>Chat</c> configuration section; keys and defaults are listed in the README and docs/protocol.md.</summary>
public sealed class ChatOptions
{
    public const string Section = "Chat";

    public int ReconnectGraceSeconds { get; set; } = 30;
    public int HistorySize { get; set; } = 100;

    /// <summary>UTF-8 bytes of message text kept per group's history, besides <see cref="HistorySize"/>; the oldest go first.</summary>
    public int HistoryMaxBytes { get; set; } = 128 * 1024;

    /// <summary>PBKDF2-SHA256 iterations for group passwords (about 5 ms a check on the development machine).</summary>
    public int PasswordHashIterations { get; set; } = 20_000;

    /// <summary>An id for this node; members in a shared store are tagged with it. Defaults to a random one.</summary>
    public string? NodeId { get; set; }

    /// <summary>
    /// Where a node without Redis keeps its groups, members, history and Data Protection keys across restarts,
    /// relative to the content root; empty keeps everything in memory only. Not used with Redis.
    /// </summary>
    public string? DataPath { get; set; } = "data";

    public ChatLimits Limits { get; set; } = new();
    public GatewayOptions Gateway { get; set; } = new();

    public TimeSpan ReconnectGrace => TimeSpan.FromSeconds(ReconnectGraceSeconds);
}

public sealed class ChatLimits
{
    public double MessagesPerSecond { get; set; } = 10;
    public int MessageBurst { get; set; } = 20;
    public int PasswordFailuresPerMinute { get; set; } = 5;
    public long MaxUnsentBytes { get; set; } = 1024 * 1024;

    /// <summary>Groups one connection may be a member of at once.</summary>
    public int GroupsPerConnection { get; set; } = 10;

    /// <summary>Live groups created from one client address (a group counts until it is deleted).</summary>
    public int GroupsPerAddress { get; set; } = 20;

    /// <summary>Create and join attempts, and rejoins with an invalid token, per client address per minute.</summary>
    public int JoinsPerMinute { get; set; } = 60;

    /// <summary>Live groups in the whole deployment (all nodes).</summary>
    public int MaxGroups { get; set; } = 10_000;

    /// <summary>Concurrent hub connections from one client address; one more is refused with HTTP 429.</summary>
    public int HubConnectionsPerAddress { get; set; } = 200;
}

public sealed class GatewayOptions
{
    public bool Enabled { get; set; } = true;
    public int Port { get; set; } = 5555;
    public int MaxConnectionsPerAddress { get; set; } = 100;
    public int MenuIdleSeconds { get; set; } = 300;

    /// <summary>A peer gone without closing (no data, no acknowledgements) is closed within about this time; 0 leaves the OS defaults.</summary>
    public int DeadPeerSeconds { get; set; } = 120;

    /// <summary>A second port speaking the same dialogue inside TLS; 0 = off.</summary>
    public int TlsPort { get; set; }

    /// <summary>Every connection must begin with a PROXY protocol header from a known proxy (Chat:Security:KnownProxies).</summary>
    public bool ProxyProtocol { get; set; }

    public CertificateOptions Certificate { get; set; } = new();
}

/// <summary>The TLS port's certificate: a PEM file with its PEM key, or a PFX file. Checked for renewal on disk.</summary>
public sealed class CertificateOptions
{
    public string? Path { get; set; }
    public string? KeyPath { get; set; }
    public string? Password { get; set; }

    /// <summary>How often the files are checked for a renewed certificate.</summary>
    public int ReloadCheckSeconds { get; set; } = 30;
}
