using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace WebChat.Store.Redis;

/// <summary>
/// The store's Lua scripts (Scripts/*.lua), loaded into Redis once as one function library (Redis 7
/// <c>FUNCTION LOAD</c>) and called by name with <c>FCALL</c>: common.lua's helpers are compiled once with the
/// library instead of with every call. Each property is a function's name. Names and the library's name carry
/// a hash of the scripts, so nodes of two versions sharing one Redis (a rolling upgrade) each call their own.
/// </summary>
public static class RedisScripts
{
    private static readonly string[] ScriptNames =
    [
        "create", "cancreate", "attempt", "join", "attach", "detach", "remove", "message", "names", "owner",
        "kick", "password", "transfer", "heartbeat", "sweep", "restore", "ghosts", "throttle",
    ];

    /// <summary>A short hash of every script: part of the library's and each function's name.</summary>
    public static string Version { get; } = Convert.ToHexStringLower(
        SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", ScriptNames.Prepend("common").Select(n => n + "\n" + Read(n))))))[..12];

    /// <summary>The library for FUNCTION LOAD: common.lua once, then each script as a function of its own.</summary>
    public static string Library { get; } = Build();

    public static string Create => Function("create");
    public static string CanCreate => Function("cancreate");
    public static string Attempt => Function("attempt");
    public static string Join => Function("join");
    public static string Attach => Function("attach");
    public static string Detach => Function("detach");
    public static string Remove => Function("remove");
    public static string Message => Function("message");
    public static string Names => Function("names");
    public static string Owner => Function("owner");
    public static string Kick => Function("kick");
    public static string Password => Function("password");
    public static string Transfer => Function("transfer");
    public static string Heartbeat => Function("heartbeat");
    public static string Sweep => Function("sweep");
    public static string Restore => Function("restore");
    public static string Ghosts => Function("ghosts");
    public static string Throttle => Function("throttle");

    /// <summary>Every function of the library, by name.</summary>
    public static IEnumerable<string> All => ScriptNames.Select(Function);

    private static string Function(string name) => $"webchat_{Version}_{name}";

    private static string Build()
    {
        // In a library the key prefix (ARGV[1]) is set by each function as it starts; functions never run at once.
        var common = Read("common").Replace("local P = ARGV[1]", "local P", StringComparison.Ordinal);
        var library = new StringBuilder($"#!lua name=webchat_{Version}\n").Append(common);
        foreach (var name in ScriptNames)
            library.Append($"\nredis.register_function('{Function(name)}', function(_, ARGV)\nP = ARGV[1]\n{Read(name)}\nend)\n");
        return library.ToString();
    }

    private static string Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"WebChat.Store.Redis.Scripts.{name}.lua")
            ?? throw new InvalidOperationException($"The Lua script {name}.lua is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
