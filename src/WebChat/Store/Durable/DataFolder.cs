using Microsoft.AspNetCore.DataProtection;
using WebChat.Groups;

namespace WebChat.Store.Durable;

/// <summary>The folder named by <c>Chat:DataPath</c>, made and checked for writing at start.</summary>
public sealed class DataFolder
{
    public const string Key = "Chat:DataPath";

    private DataFolder(string path) => Path = path;

    public string Path { get; }

    /// <summary>SQLite's <c>synchronous</c> setting for the journal (README "Restarts" says why FULL).</summary>
    public string Synchronous { get; init; } = "FULL";

    /// <summary>Makes the folder (relative paths are under <paramref name="contentRoot"/>) and proves it can be written, or says why not.</summary>
    public static DataFolder Prepare(string configured, string contentRoot)
    {
        string path;
        try { path = System.IO.Path.GetFullPath(configured, contentRoot); }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw Unusable(configured, ex.Message, ex);
        }
        try
        {
            Directory.CreateDirectory(path);
            var probe = System.IO.Path.Combine(path, $".write-test-{Environment.ProcessId}");
            using (var file = new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
                file.WriteByte(1);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw Unusable(path, ex.Message, ex);
        }
        return new DataFolder(path);
    }

    /// <summary>The start-up error for a data path that cannot be used: it names the setting, the folder and the reason.</summary>
    public static InvalidOperationException Unusable(string path, string reason, Exception? inner = null) =>
        new($"{Key} \"{path}\" cannot be used: {reason}. Set {Key} to a folder this user can create and write, " +
            "or to an empty value to keep everything in memory only.", inner);
}

public static class DurableExtensions
{
    /// <summary>
    /// Without Redis and with <c>Chat:DataPath</c> set (the default is <c>data</c> under the content root): the
    /// store's groups are journaled there and read back at start, and the Data Protection keys that open rejoin
    /// tokens are kept there, so a restart loses nothing. An empty value keeps everything in memory only.
    /// </summary>
    public static WebApplicationBuilder AddChatDurability(this WebApplicationBuilder builder)
    {
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Redis"))) return builder;
        var configured = builder.Configuration[DataFolder.Key] ?? new ChatOptions().DataPath;
        if (string.IsNullOrWhiteSpace(configured)) return builder;

        var folder = DataFolder.Prepare(configured, builder.Environment.ContentRootPath);
        builder.Services.AddSingleton(folder);
        builder.Services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(System.IO.Path.Combine(folder.Path, "keys")));
        builder.Services.AddSingleton<JournalService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<JournalService>());
        return builder;
    }
}
