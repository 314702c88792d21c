using System.Collections.Concurrent;
using System.Reflection;

namespace WebChat.Store.Redis;

/// <summary>
/// The store's Lua scripts, embedded from Scripts/*.lua with common.lua in front of each.
/// StackExchange.Redis sends a script's SHA once it is cached on the server (EVALSHA) and reloads it after a restart.
/// </summary>
public static class RedisScripts
{
    private static readonly ConcurrentDictionary<string, string> Cache = new();

    public static string Create => Get("create");
    public static string Join => Get("join");
    public static string Attach => Get("attach");
    public static string Detach => Get("detach");
    public static string Remove => Get("remove");
    public static string Message => Get("message");
    public static string CanCreate => Get("cancreate");
    public static string Attempt => Get("attempt");
    public static string Owner => Get("owner");
    public static string Kick => Get("kick");
    public static string Password => Get("password");
    public static string Transfer => Get("transfer");
    public static string Names => Get("names");
    public static string Heartbeat => Get("heartbeat");
    public static string Sweep => Get("sweep");
    public static string Restore => Get("restore");
    public static string Ghosts => Get("ghosts");
    public static string Throttle => Get("throttle");

    private static string Get(string name) => Cache.GetOrAdd(name, n => Read("common") + "\n" + Read(n));

    private static string Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"WebChat.Store.Redis.Scripts.{name}.lua")
            ?? throw new InvalidOperationException($"The Lua script {name}.lua is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
