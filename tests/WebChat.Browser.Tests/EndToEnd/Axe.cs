using System.Text.Json;
using Microsoft.Playwright;

namespace WebChat.Browser.Tests.EndToEnd;

/// <summary>
/// axe-core (npm, package.json's devDependencies) run inside the page. The page's CSP allows no inline script,
/// so the library goes in through Playwright's evaluate (the DevTools protocol, which the CSP does not govern);
/// every state checked is written to test-output/axe/{state}.json.
/// </summary>
public static class Axe
{
    public const string Version = "4.14.1";
    public static readonly string[] Tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

    private static readonly Lazy<string> Source = new(() =>
    {
        var path = Path.Combine(ChatPage.RepoRoot, "node_modules", "axe-core", "axe.min.js");
        if (!File.Exists(path)) throw new InvalidOperationException($"{path} is missing: run npm ci (scripts/test.sh does).");
        return File.ReadAllText(path);
    });

    /// <summary>Runs axe on the page as it is now and fails with every violation, named by rule and element.</summary>
    public static async Task AssertCleanAsync(ChatPage page, string state)
    {
        var p = page.Page;
        if (!await p.EvaluateAsync<bool>("typeof window.axe === 'object'")) await p.EvaluateAsync(Source.Value);
        Assert.Equal(Version, await p.EvaluateAsync<string>("axe.version"));
        var result = await p.EvaluateAsync<JsonElement>(
            """
            async tags => {
                const r = await axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
                return {
                    passes: r.passes.length,
                    violations: r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.map(n => n.target.join(" ") + ": " + n.failureSummary.replace(/\s+/g, " ")) })),
                };
            }
            """, Tags);

        var dir = Path.Combine(ChatPage.RepoRoot, "test-output", "axe");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, state + ".json"), result.ToString());

        Assert.True(result.GetProperty("passes").GetInt32() > 0, $"{state}: axe checked nothing");
        var violations = result.GetProperty("violations").EnumerateArray()
            .Select(v => $"{v.GetProperty("id")} ({v.GetProperty("impact")}): {v.GetProperty("help")}\n    " +
                         string.Join("\n    ", v.GetProperty("nodes").EnumerateArray().Select(n => n.GetString())))
            .ToList();
        Assert.True(violations.Count == 0, $"axe, {state}:\n" + string.Join("\n", violations));
    }
}
