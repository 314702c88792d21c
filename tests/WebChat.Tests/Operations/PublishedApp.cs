using System.Diagnostics;

namespace WebChat.Tests.Operations;

[CollectionDefinition(Name)]
public sealed class PublishedAppCollection : ICollectionFixture<PublishedApp>
{
    public const string Name = "Published app";
}

/// <summary>
/// The app published once per test run the way the Dockerfile's build stage does it: its own
/// <c>dotnet publish</c> arguments, run from the repository root (the stage's WORKDIR holds the
/// repository's layout), with only the output folder moved to a temporary one.
/// </summary>
public sealed class PublishedApp : IAsyncLifetime
{
    public static readonly string RepositoryRoot = FindRepositoryRoot();

    public Dockerfile Dockerfile { get; } = Dockerfile.Read(Path.Combine(RepositoryRoot, "Dockerfile"));

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "webchat-publish-" + Guid.NewGuid().ToString("N")[..8]);

    public async Task InitializeAsync()
    {
        var args = Dockerfile.PublishArguments.ToList();
        var output = args.FindIndex(a => a is "-o" or "--output");
        Assert.True(output >= 0, "The Dockerfile's dotnet publish names its output folder with -o");
        args[output + 1] = Folder;

        var (exitCode, log) = await Run("dotnet", ["publish", .. args], RepositoryRoot, TimeSpan.FromMinutes(3));
        Assert.True(exitCode == 0, $"dotnet publish {string.Join(' ', args)} failed:\n{log}");
        Assert.True(File.Exists(Path.Combine(Folder, Dockerfile.EntryPoint[^1])), $"{Dockerfile.EntryPoint[^1]} is not in the published folder");
    }

    public Task DisposeAsync()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    /// <summary>Runs a command to its end (killing it after <paramref name="timeout"/>) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> Run(string file, IEnumerable<string> args, string directory, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} took longer than {timeout.TotalSeconds} s");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Dockerfile")) && File.Exists(Path.Combine(dir.FullName, "WebChat.sln")))
                return dir.FullName;
        throw new InvalidOperationException("No repository root (with Dockerfile and WebChat.sln) above " + AppContext.BaseDirectory);
    }
}
