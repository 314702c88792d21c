using System.Xml.Linq;

namespace WebChat.Tests.Operations;

/// <summary>
/// scripts/bench-summary.sh --charts draws a benchmark run's figures as SVG for docs/: each chart is well-formed XML
/// with a title and a description for screen readers, the same run gives the same bytes (so a regenerated chart
/// diffs cleanly), and a chart whose input the run lacks is skipped, not drawn empty or failed. The input is a run
/// committed with the benchmark (tests/WebChat.Bench/results), read, never measured here.
/// </summary>
public class BenchSummaryChartsTests : IDisposable
{
    private static readonly string Root = PublishedApp.RepositoryRoot;
    private static readonly string Run = Path.Combine(Root, "tests/WebChat.Bench/results/2026-11-24-b");
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "webchat-charts-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task EveryChartIsAnAccessibleSvgAndASecondRunWritesTheSameBytes()
    {
        var (first, tables) = await Summarize(Run, "first");
        var (second, _) = await Summarize(Run, "second");

        Assert.Contains("### Fan-out", tables);   // the Markdown tables are still printed
        string[] expected = ["cpu-per-delivery.svg", "findmax.svg", "memory-per-connection.svg"];
        Assert.Equal(expected, Directory.GetFiles(first).Select(Path.GetFileName).Order());
        foreach (var chart in expected)
        {
            var svg = XDocument.Load(Path.Combine(first, chart)).Root!;
            Assert.Equal(Svg + "svg", svg.Name);
            Assert.False(string.IsNullOrWhiteSpace((string?)svg.Attribute("viewBox")), $"{chart} has no viewBox");
            Assert.False(string.IsNullOrWhiteSpace(svg.Element(Svg + "title")?.Value), $"{chart} has no <title>");
            Assert.False(string.IsNullOrWhiteSpace(svg.Element(Svg + "desc")?.Value), $"{chart} has no <desc>");
            Assert.NotEmpty(svg.Descendants(Svg + "text"));
            Assert.True(File.ReadAllBytes(Path.Combine(first, chart)).SequenceEqual(File.ReadAllBytes(Path.Combine(second, chart))),
                $"{chart} differs between two runs on the same input");
        }
    }

    [Fact]
    public async Task AChartWhoseInputTheRunLacksIsSkipped()
    {
        var partial = Directory.CreateDirectory(Path.Combine(_scratch, "fanout-only")).FullName;
        File.Copy(Path.Combine(Run, "compare-fanout.jsonl"), Path.Combine(partial, "compare-fanout.jsonl"));

        var (charts, output) = await Summarize(partial, "charts");

        Assert.Equal(["cpu-per-delivery.svg"], Directory.GetFiles(charts).Select(Path.GetFileName));
        Assert.Contains("chart findmax.svg: no input", output);
        XDocument.Load(Path.Combine(charts, "cpu-per-delivery.svg"));
    }

    private async Task<(string Charts, string Output)> Summarize(string run, string into)
    {
        var charts = Path.Combine(_scratch, into);
        var (exitCode, output) = await PublishedApp.Run("bash", ["scripts/bench-summary.sh", run, "--charts", charts], Root, TimeSpan.FromMinutes(1));
        Assert.True(exitCode == 0, $"bench-summary.sh {run} --charts {charts} failed:\n{output}");
        return (charts, output);
    }

    public void Dispose()
    {
        try { Directory.Delete(_scratch, recursive: true); } catch (DirectoryNotFoundException) { }
    }
}
