using System.Text.Json;
using System.Text.RegularExpressions;

namespace WebChat.Tests.Operations;

/// <summary>The facts the tests take from the repository's Dockerfile, so the two cannot drift apart.</summary>
public sealed record Dockerfile(
    string RuntimeImage,
    string? User,
    string WorkDir,
    IReadOnlyDictionary<string, string> Env,
    IReadOnlyList<int> Exposed,
    IReadOnlyList<string> EntryPoint,
    IReadOnlyList<string> HealthCheck,
    IReadOnlyList<string> PublishArguments)
{
    public static Dockerfile Read(string path)
    {
        var instructions = Instructions(File.ReadAllText(path));
        var lastFrom = instructions.FindLastIndex(i => i.Op == "FROM");
        var runtime = instructions[(lastFrom + 1)..];
        var env = new Dictionary<string, string>();
        foreach (var (_, args) in runtime.Where(i => i.Op == "ENV"))
            foreach (Match m in Regex.Matches(args, @"(\S+?)=(""[^""]*""|\S+)"))
                env[m.Groups[1].Value] = m.Groups[2].Value.Trim('"');
        var publish = instructions.Single(i => i.Op == "RUN" && i.Args.StartsWith("dotnet publish ")).Args;
        var health = Arg(runtime, "HEALTHCHECK");
        return new Dockerfile(
            RuntimeImage: instructions[lastFrom].Args.Split(' ')[0],
            User: runtime.LastOrDefault(i => i.Op == "USER").Args,
            WorkDir: Arg(runtime, "WORKDIR"),
            Env: env,
            Exposed: runtime.Where(i => i.Op == "EXPOSE").SelectMany(i => i.Args.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(int.Parse).ToList(),
            EntryPoint: JsonArray(Arg(runtime, "ENTRYPOINT")),
            HealthCheck: JsonArray(health[(health.IndexOf(" CMD ", StringComparison.Ordinal) + 5)..]),
            PublishArguments: publish["dotnet publish ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>The HTTP port: the one in ASPNETCORE_URLS.</summary>
    public int HttpPort => new Uri(Env["ASPNETCORE_URLS"].Replace("+", "localhost")).Port;

    public int TcpPort => int.Parse(Env["Chat__Gateway__Port"]);

    private static string Arg(List<(string Op, string Args)> instructions, string op) => instructions.Last(i => i.Op == op).Args;

    private static string[] JsonArray(string text) => JsonSerializer.Deserialize<string[]>(text.Trim())!;

    /// <summary>Instructions with their continuation lines joined and comments dropped.</summary>
    private static List<(string Op, string Args)> Instructions(string text)
    {
        var joined = Regex.Replace(string.Join('\n', text.Split('\n').Where(l => !l.TrimStart().StartsWith('#'))), @"\\\s*\n", " ");
        return joined.Split('\n')
            .Select(l => Regex.Replace(l.Trim(), @"\s+", " "))
            .Where(l => l.Length > 0)
            .Select(l => l.Split(' ', 2) is [var op, var args] ? (op.ToUpperInvariant(), args) : (l.ToUpperInvariant(), ""))
            .ToList();
    }
}
