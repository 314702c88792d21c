namespace WebChat.Tests.Reliability;

/// <summary>
/// The server's own Serilog output, sent to a file through the app's configuration (Serilog:WriteTo), so a
/// test can check what the server logged about what it refused.
/// </summary>
public sealed class ServerLog : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"webchat-{Guid.NewGuid():N}.log");

    /// <summary>Settings that add the file sink; merge them into the app's settings.</summary>
    public Dictionary<string, string?> Settings(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Serilog:WriteTo:0:Name"] = "File",
            ["Serilog:WriteTo:0:Args:path"] = Path,
            ["Serilog:WriteTo:0:Args:outputTemplate"] = "{Level:u3} {Message:lj}{NewLine}{Exception}",
        };
        foreach (var (k, v) in more ?? []) settings[k] = v;
        return settings;
    }

    public string[] Lines()
    {
        if (!File.Exists(Path)) return [];
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public int Count(string fragment) => Lines().Count(l => l.Contains(fragment, StringComparison.Ordinal));

    /// <summary>Waits (bounded) until at least <paramref name="count"/> lines contain <paramref name="fragment"/>.</summary>
    public async Task WaitForAsync(string fragment, int count = 1, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        int seen;
        while ((seen = Count(fragment)) < count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The server logged \"{fragment}\" {seen} times, expected {count}");
            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        try { File.Delete(Path); } catch (IOException) { }
    }
}
