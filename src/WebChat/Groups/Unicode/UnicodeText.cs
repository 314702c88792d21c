using System.Globalization;
using System.Text;

namespace WebChat.Groups;

/// <summary>
/// The Unicode the name rules need and .NET does not give here: NFKC (with InvariantGlobalization,
/// <see cref="string.Normalize(NormalizationForm)"/> returns its input unchanged), full case folding, the Script
/// property and Default_Ignorable_Code_Point. The data is UnicodeTables.txt, generated from the Unicode Character
/// Database by scripts/unicode/generate-tables.py; its version is <see cref="Version"/>.
/// </summary>
internal static class UnicodeText
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Dictionary<int, byte> CombiningClasses;
    private static readonly Dictionary<int, int[]> Decompositions;
    private static readonly Dictionary<long, int> Compositions;
    private static readonly Dictionary<int, int[]> Foldings;
    private static readonly int[] ScriptStarts, ScriptEnds;
    private static readonly string[] ScriptNames;
    private static readonly int[] IgnorableStarts, IgnorableEnds;
    private static readonly int[] NotQuickStarts, NotQuickEnds;

    /// <summary>The Unicode version of the tables, e.g. "15.0.0".</summary>
    public static readonly string Version;

    /// <summary>The script of a code point that no script claims (unassigned, private use, or newer than the tables).</summary>
    public const string Unknown = "Unknown";
    public const string Common = "Common";
    public const string Inherited = "Inherited";

    static UnicodeText()
    {
        using var stream = typeof(UnicodeText).Assembly.GetManifestResourceStream("WebChat.Groups.Unicode.UnicodeTables.txt")
            ?? throw new InvalidOperationException("The embedded resource UnicodeTables.txt is missing");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var version = "";
        var ccc = new Dictionary<int, byte>();
        var decompose = new Dictionary<int, int[]>();
        var compose = new Dictionary<long, int>();
        var fold = new Dictionary<int, int[]>();
        var scripts = new List<(int Start, int End, string Name)>();
        var ignorable = new List<(int Start, int End)>();
        var notQuick = new List<(int Start, int End)>();
        var names = new Dictionary<string, string>();
        var section = "";
        while (reader.ReadLine() is { } line)
        {
            if (line.StartsWith("# Unicode ", StringComparison.Ordinal) && version.Length == 0) version = line[10..].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (line[0] == '@') { section = line; continue; }
            var f = line.Split(' ');
            switch (section)
            {
                case "@ccc":
                    var (a, b) = Range(f[0]);
                    for (var cp = a; cp <= b; cp++) ccc[cp] = byte.Parse(f[1], CultureInfo.InvariantCulture);
                    break;
                case "@decompose":
                    decompose[Hex(f[0])] = f[1..].Select(Hex).ToArray();
                    break;
                case "@compose":
                    compose[Pair(Hex(f[0]), Hex(f[1]))] = Hex(f[2]);
                    break;
                case "@fold":
                    fold[Hex(f[0])] = f[1..].Select(Hex).ToArray();
                    break;
                case "@script":
                    var (s, e) = Range(f[0]);
                    if (!names.TryGetValue(f[1], out var name)) names[f[1]] = name = f[1];
                    scripts.Add((s, e, name));
                    break;
                case "@ignorable":
                    ignorable.Add(Range(f[0]));
                    break;
                case "@nfkcqc":
                    notQuick.Add(Range(f[0]));
                    break;
            }
        }
        if (version.Length == 0 || decompose.Count == 0 || scripts.Count == 0 || ignorable.Count == 0 || notQuick.Count == 0)
            throw new InvalidOperationException("The embedded resource UnicodeTables.txt is incomplete");
        Version = version;
        // Plain dictionaries, read-only from here on: FrozenDictionary's analysis made the first name check cost
        // about 160 ms of CPU instead of about 120, for no lookup speed that shows in a name check.
        CombiningClasses = ccc;
        Decompositions = decompose;
        Compositions = compose;
        Foldings = fold;
        scripts.Sort((x, y) => x.Start.CompareTo(y.Start));
        ScriptStarts = scripts.Select(x => x.Start).ToArray();
        ScriptEnds = scripts.Select(x => x.End).ToArray();
        ScriptNames = scripts.Select(x => x.Name).ToArray();
        ignorable.Sort();
        IgnorableStarts = ignorable.Select(x => x.Start).ToArray();
        IgnorableEnds = ignorable.Select(x => x.End).ToArray();
        notQuick.Sort();
        NotQuickStarts = notQuick.Select(x => x.Start).ToArray();
        NotQuickEnds = notQuick.Select(x => x.End).ToArray();

        static int Hex(string s) => int.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        static (int, int) Range(string s)
        {
            var dots = s.IndexOf("..", StringComparison.Ordinal);
            return dots < 0 ? (Hex(s), Hex(s)) : (Hex(s[..dots]), Hex(s[(dots + 2)..]));
        }
    }

    private static long Pair(int first, int second) => ((long)first << 21) | (uint)second;

    public static int CombiningClass(int cp) => cp < 0x300 ? 0 : CombiningClasses.GetValueOrDefault(cp);

    /// <summary>The script of a code point by the Script property: "Latin", "Cyrillic", "Common", "Inherited", <see cref="Unknown"/>...</summary>
    public static string ScriptOf(int cp)
    {
        var i = Array.BinarySearch(ScriptStarts, cp);
        if (i < 0) i = ~i - 1;
        return i >= 0 && cp <= ScriptEnds[i] ? ScriptNames[i] : Unknown;
    }

    public static bool IsDefaultIgnorable(int cp) => cp >= 0xAD && InRanges(IgnorableStarts, IgnorableEnds, cp);

    private static bool InRanges(int[] starts, int[] ends, int cp)
    {
        var i = Array.BinarySearch(starts, cp);
        if (i < 0) i = ~i - 1;
        return i >= 0 && cp <= ends[i];
    }

    /// <summary>
    /// The quick check of Unicode Standard Annex #15 for NFKC, answering Maybe as no: true only if the text is
    /// surely NFKC already (every character's NFKC_Quick_Check is Yes and the combining marks are in canonical order).
    /// </summary>
    public static bool IsQuickNfkc(ReadOnlySpan<char> s)
    {
        var lastClass = 0;
        for (var i = 0; i < s.Length; i++)
        {
            int cp = s[i];
            if (cp < 0xA0) { lastClass = 0; continue; }
            if (char.IsSurrogate(s[i]))
            {
                if (!char.IsHighSurrogate(s[i]) || i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1])) return false;
                cp = char.ConvertToUtf32(s[i], s[i + 1]);
                i++;
            }
            var cc = CombiningClass(cp);
            if (cc != 0 && lastClass > cc) return false;
            if (InRanges(NotQuickStarts, NotQuickEnds, cp)) return false;
            lastClass = cc;
        }
        return true;
    }

    /// <summary>
    /// Normalization Form KC (Unicode Standard Annex #15): full compatibility decomposition, canonical ordering,
    /// canonical composition. An unpaired surrogate becomes U+FFFD.
    /// </summary>
    public static string NormalizeKC(string s)
    {
        if (IsQuickNfkc(s)) return s;

        var buffer = new List<int>(s.Length + 8);
        foreach (var rune in s.EnumerateRunes()) Decompose(rune.Value, buffer);
        Reorder(buffer);
        Compose(buffer);
        return Build(buffer);
    }

    /// <summary>Full case folding (CaseFolding.txt, status C and F), then NFKC again: the folding may decompose.</summary>
    public static string CaseFoldKC(string s)
    {
        if (Ascii.IsValid(s)) return s.ToLowerInvariant();
        var buffer = new List<int>(s.Length + 4);
        foreach (var rune in s.EnumerateRunes())
        {
            if (Foldings.TryGetValue(rune.Value, out var folded)) buffer.AddRange(folded);
            else buffer.Add(rune.Value);
        }
        return NormalizeKC(Build(buffer));
    }

    private static void Decompose(int cp, List<int> into)
    {
        var s = cp - SBase;
        if ((uint)s < SCount)
        {
            into.Add(LBase + s / NCount);
            into.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0) into.Add(TBase + s % TCount);
        }
        else if (Decompositions.TryGetValue(cp, out var seq)) into.AddRange(seq);
        else into.Add(cp);
    }

    /// <summary>Canonical ordering: each run of non-starters sorted, stably, by combining class.</summary>
    private static void Reorder(List<int> text)
    {
        for (var i = 1; i < text.Count; i++)
        {
            var cc = CombiningClass(text[i]);
            if (cc == 0) continue;
            // Insertion sort, as the runs are short and must stay stable.
            var j = i;
            while (j > 0 && CombiningClass(text[j - 1]) > cc)
            {
                (text[j - 1], text[j]) = (text[j], text[j - 1]);
                j--;
            }
        }
    }

    private static void Compose(List<int> text)
    {
        if (text.Count < 2) return;
        var starter = 0;
        var lastClass = CombiningClass(text[0]) == 0 ? 0 : 256;
        var write = 1;
        for (var read = 1; read < text.Count; read++)
        {
            var ch = text[read];
            var chClass = CombiningClass(ch);
            var composite = Composite(text[starter], ch);
            if (composite >= 0 && (lastClass < chClass || lastClass == 0))
            {
                text[starter] = composite;
                continue;
            }
            if (chClass == 0) starter = write;
            lastClass = chClass;
            text[write++] = ch;
        }
        text.RemoveRange(write, text.Count - write);
    }

    private static int Composite(int first, int second)
    {
        var l = first - LBase;
        if ((uint)l < LCount)
        {
            var v = second - VBase;
            return (uint)v < VCount ? SBase + (l * VCount + v) * TCount : -1;
        }
        var s = first - SBase;
        if ((uint)s < SCount && s % TCount == 0)
        {
            var t = second - TBase;
            return t > 0 && t < TCount ? first + t : -1;
        }
        return Compositions.TryGetValue(Pair(first, second), out var c) ? c : -1;
    }

    private static string Build(List<int> text)
    {
        var sb = new StringBuilder(text.Count + 4);
        Span<char> units = stackalloc char[2];
        foreach (var cp in text) sb.Append(units[..new Rune(cp).EncodeToUtf16(units)]);
        return sb.ToString();
    }
}
