using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace WebChat.Tests.Operations;

/// <summary>
/// The repository explains itself: a clone has nothing beside it, so every relative link in the README and
/// docs/ resolves inside it, and no file points to notes that live outside it.
/// </summary>
public partial class RepositoryDocsTests
{
    private static readonly string Root = PublishedApp.RepositoryRoot;


    [Fact]
    public void EveryRelativeLinkInTheReadmeAndDocsResolvesInsideTheRepository()
    {
        var documents = Files().Where(f => f == "README.md" || (f.StartsWith("docs/") && f.EndsWith(".md"))).ToList();
        Assert.Contains("README.md", documents);
        Assert.Contains("docs/protocol.md", documents);
        var broken = new List<string>();
        foreach (var document in documents)
        {
            var text = CodeBlock().Replace(File.ReadAllText(Path.Combine(Root, document)), "");
            text = CodeSpan().Replace(text, "");
            foreach (Match link in Link().Matches(text))
            {
                var parts = link.Groups["target"].Value.Split('#', 2);
                var (target, anchor) = (parts[0], parts.Length > 1 ? parts[1] : null);
                if (Uri.TryCreate(target, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "mailto") continue;
                var full = target.Length == 0
                    ? Path.Combine(Root, document)
                    : Path.GetFullPath(Path.Combine(Root, Path.GetDirectoryName(document)!, Uri.UnescapeDataString(target)));
                var inside = full.StartsWith(Root.TrimEnd('/') + "/", StringComparison.Ordinal);
                if (!inside || !(File.Exists(full) || Directory.Exists(full))) broken.Add($"{document}: {link.Value}");
                else if (anchor is not null && full.EndsWith(".md") && !Anchors(full).Contains(anchor)) broken.Add($"{document}: {link.Value} (no such heading)");
            }
        }
        Assert.True(broken.Count == 0, "Links that do not resolve inside the repository:\n" + string.Join('\n', broken));
    }

    [Fact]
    public void NoFilePointsToNotesOutsideTheRepositoryOrToIssueNumbers()
    {
        var found = new List<string>();
        foreach (var file in Files())
        {
            var path = Path.Combine(Root, file);
            if (!File.Exists(path) || IsBinary(path)) continue;
            var lines = File.ReadAllLines(path);
            for (var i = 0; i < lines.Length; i++)
            {
                if (OutsideReference().Match(lines[i]) is { Success: true } reference)
                    found.Add($"{file}:{i + 1}: {reference.Value}");
            }
        }
        Assert.True(found.Count == 0, "References to what a clone does not have:\n" + string.Join('\n', found));
    }

    [Fact]
    public void EveryConfigurationKeyIsInTheReadmeAndTheProtocolTable()
    {
        // The keys the app binds: every settable property under each options class's Section, and appsettings.json.
        var bound = typeof(WebChat.Groups.ChatGroups).Assembly.GetTypes()
            .Where(t => t.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true })
            .SelectMany(t => Keys((string)t.GetField("Section")!.GetRawConstantValue()!, t));
        var appsettings = Leaves("", JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "src/WebChat/appsettings.json")))!)
            .Where(k => !k.StartsWith("Serilog:"));
        var readme = TableKeys("README.md");
        var protocol = TableKeys("docs/protocol.md");
        var missing = bound.Concat(appsettings).Distinct().Where(k => !readme.Contains(k)).Order().ToList();
        Assert.True(missing.Count == 0, "Keys the app reads but the README's configuration table does not list:\n" + string.Join('\n', missing));
        Assert.Equal(readme.Order(), protocol.Order());
    }

    private static IEnumerable<string> Keys(string prefix, Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }))
        {
            var key = $"{prefix}:{property.Name}";
            var leaf = property.PropertyType.IsPrimitive || property.PropertyType.IsEnum || property.PropertyType.IsArray ||
                       Nullable.GetUnderlyingType(property.PropertyType) is not null ||
                       property.PropertyType.Namespace == "System";
            foreach (var k in leaf ? [key] : Keys(key, property.PropertyType)) yield return k;
        }
    }

    private static IEnumerable<string> Leaves(string prefix, JsonNode node) => node is JsonObject o
        ? o.SelectMany(p => Leaves(prefix.Length == 0 ? p.Key : $"{prefix}:{p.Key}", p.Value!))
        : [prefix];

    /// <summary>The first column of a document's configuration table: every <c>| `Key` |</c> row after "| key | default | meaning |".</summary>
    private static HashSet<string> TableKeys(string document)
    {
        var lines = File.ReadAllLines(Path.Combine(Root, document)).SkipWhile(l => !l.StartsWith("| key | default | meaning |")).Skip(2).TakeWhile(l => l.StartsWith('|'));
        return lines.Select(l => Regex.Match(l, @"^\| `([^`]+)`").Groups[1].Value).Where(k => k.Length > 0).ToHashSet();
    }

    /// <summary>The anchors GitHub gives a document's headings: lower case, punctuation dropped, spaces as hyphens.</summary>
    private static HashSet<string> Anchors(string markdown) =>
        CodeBlock().Replace(File.ReadAllText(markdown), "").Split('\n')
            .Where(l => l.StartsWith('#'))
            .Select(l => Regex.Replace(l.TrimStart('#').Trim().ToLowerInvariant(), @"[^\p{L}\p{N}\p{Mn} _-]", "").Replace(' ', '-'))
            .ToHashSet();

    /// <summary>The repository's files (tracked or new, not ignored); without git, the tree minus build output.</summary>
    private static IReadOnlyList<string> Files()
    {
        try
        {
            var start = new ProcessStartInfo("git", ["ls-files", "--cached", "--others", "--exclude-standard"])
            {
                WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true,
            };
            using var git = Process.Start(start)!;
            var output = git.StandardOutput.ReadToEnd();
            git.WaitForExit();
            if (git.ExitCode == 0) return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (System.ComponentModel.Win32Exception) { }   // no git: walk the tree instead
        string[] skipped = ["bin", "obj", "node_modules", ".git", "test-output", "lib"];
        return Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/'))
            .Where(f => !f.Split('/').Any(skipped.Contains))
            .ToList();
    }

    private static bool IsBinary(string path)
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[8000];
        var read = stream.Read(buffer);
        return Array.IndexOf(buffer, (byte)0, 0, read) >= 0;
    }

    [GeneratedRegex(@"\[(?<text>[^\]]*)\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)|^\s*\[[^\]]+\]:\s*(?<target>\S+)", RegexOptions.Multiline)]
    private static partial Regex Link();

    [GeneratedRegex(@"^(```|~~~).*?^\1", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    [GeneratedRegex(@"`[^`\n]*`")]
    private static partial Regex CodeSpan();

    /// <summary>
    /// The notes beside the repository (shared/, its bench, the design notes, the spec and its sections) and
    /// issue numbers. Written so that this file does not match itself, and so that a licence's "ACTION OF
    /// CONTRACT" is not a reference.
    /// </summary>
    [GeneratedRegex(@"\.\./shared|shared[/]bench|DESIGN\.md|CONTRACT(?:\.md|\s+(?:sections?\s+)?\d)|\b[Ii]ssues? #?\d+\b|\(#\d+\)")]
    private static partial Regex OutsideReference();
}
