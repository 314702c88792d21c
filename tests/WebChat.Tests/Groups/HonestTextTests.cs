using System.Diagnostics;
using WebChat.Groups;

namespace WebChat.Tests.Groups;

/// <summary>The text rules of names and messages (docs/honest-text.md), character class by character class.</summary>
public class HonestTextTests
{
    // ---- message texts ----

    [Theory]
    [InlineData("plain text, שלום 😀", "plain text, שלום 😀")]
    [InlineData("tab\there\nnew line", "tab\there\nnew line")]
    [InlineData("crlf\r\nline", "crlf\nline")]
    [InlineData("lone\rcr", "lone\ncr")]
    [InlineData("two\r\r\nbreaks", "two\n\nbreaks")]
    [InlineData("\u001b[2J\u001b[Hclear", "[2J[Hclear")] // CSI: clear screen, cursor home
    [InlineData("\u001b]52;c;ZXZpbA==\u0007copy", "]52;c;ZXZpbA==copy")] // OSC 52: write the clipboard
    [InlineData("\u001bcreset", "creset")] // RIS: reset the terminal
    [InlineData("back\bspace", "backspace")]
    [InlineData("vertical\vtab\fform feed", "verticaltabform feed")]
    [InlineData("nul\0bell\u0007", "nulbell")]
    [InlineData("del\u007f", "del")]
    [InlineData("c1 \u009b31mred \u0090dcs\u009c \u0085nel \u0080\u009f", "c1 31mred dcs nel ")]
    public void MessageTextsKeepTabsAndLineBreaksAndLoseEveryOtherControl(string sent, string stored)
    {
        Assert.Equal(stored, Rules.ValidMessage(sent));
    }

    [Fact]
    public void HalfASurrogatePairBecomesTheReplacementCharacterInAMessageAndIsRefusedInAName()
    {
        // Built at run time: an attribute cannot carry a lone surrogate (it is stored as UTF-8).
        var high = new string('\uD800', 1);
        var low = new string('\uDC00', 1);
        Assert.Equal("broken \uFFFD pair \uFFFD 😀", Rules.ValidMessage("broken " + high + " pair " + low + " 😀"));
        foreach (var name in new[] { high + "lice", "Alice" + low, "Al" + low + high + "ice" })
            Assert.Contains("broken character", Assert.Throws<ChatException>(() => Rules.ValidName(name)).Message);
    }

    [Fact]
    public void AMessageWithNothingToCleanIsTheSameString()
    {
        var text = "Hello 😀 שלום\tthere\nnext";
        Assert.Same(text, Rules.CleanText(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\u001b\u0007\u007f")]
    [InlineData("\u001b \t\r\n\u0085 \u009b")]
    public void AMessageEmptyOrBlankOnceCleanedIsIgnored(string sent)
    {
        Assert.Null(Rules.ValidMessage(sent));
        Assert.Null(Rules.ValidMessage(null));
    }

    [Fact]
    public void TheLengthLimitCountsTheCleanedText()
    {
        var escapes = string.Concat(Enumerable.Repeat("\u001b[0m", 100));
        // 2000 visible characters plus 100 escape characters: the ESCs go, 2000 + 300 "[0m" are left: too long.
        var e = Assert.Throws<ChatException>(() => Rules.ValidMessage(new string('x', 2000) + escapes));
        Assert.Equal(ChatError.MessageTooLong, e.Error);
        Assert.Contains("2300 characters", e.Message);

        Assert.Equal(new string('x', 2000), Rules.ValidMessage(new string('x', 2000) + new string('\u0007', 500)));
        Assert.Equal(new string('x', 1000) + "\n" + new string('y', 999), Rules.ValidMessage(new string('x', 1000) + "\r\n" + new string('y', 999)));
        Assert.Equal(2000, Rules.ValidMessage(string.Concat(Enumerable.Repeat("😀", 2000)))!.Length / 2);
        Assert.Throws<ChatException>(() => Rules.ValidMessage(new string('x', 2001)));
    }

    // ---- display names ----

    public static TheoryData<string> GoodNames =>
    [
        "Hadas", "הדס", "Hadas הדס", "Алиса", "Ζωή", "李雷", "ليلى", "محمد علي", "さくら", "Yuki さくら 桜", "ユキ",
        "김민준", "Kim 김민준", "José", "Zoë", "Ñandú", "O'Brien", "Anne-Marie", "R2-D2", "Иван Петров", "Ελένη 2",
        "Dvořák", "İlknur", "Straße",
    ];

    [Theory]
    [MemberData(nameof(GoodNames))]
    public void GoodNamesAreAcceptedAsTheyAre(string name)
    {
        Assert.Equal(name, Rules.ValidName(name));
        Assert.Equal(name, Rules.ValidName("  " + name + "\t"));
    }

    [Theory]
    [InlineData("\uFF21lice", "Alice")] // fullwidth A
    [InlineData("\uFF28\uFF41\uFF44\uFF41\uFF53", "Hadas")]
    [InlineData("A\u0301lice", "\u00C1lice")] // decomposed Á becomes the precomposed one
    [InlineData("\ufb01ona", "fiona")] // the fi ligature
    [InlineData("Louis \u216B", "Louis XII")] // roman numeral twelve
    [InlineData("\u3000Bob\u00A0", "Bob")] // ideographic space and no-break space are trimmed
    [InlineData("ｶﾀｶﾅ", "カタカナ")] // halfwidth katakana
    [InlineData("\u1100\u1161\u11A8", "각")] // conjoining jamo compose into a syllable
    public void NamesAreNormalizedToNfkc(string sent, string stored)
    {
        Assert.Equal(stored, Rules.ValidName(sent));
    }

    [Theory]
    [InlineData("Alice\u200B", "invisible")] // zero width space
    [InlineData("Al\u200Cice", "invisible")] // zero width non-joiner
    [InlineData("Al\u200Dice", "invisible")] // zero width joiner
    [InlineData("ශ්\u200Dරී", "invisible")] // even where a script uses it to join letters
    [InlineData("👩\u200D💻", "invisible")] // or an emoji sequence
    [InlineData("Alice\u2060", "invisible")] // word joiner
    [InlineData("\uFEFFAlice", "invisible")] // byte order mark
    [InlineData("Alice\u00AD", "invisible")] // soft hyphen
    [InlineData("Ali\u034Fce", "invisible")] // combining grapheme joiner
    [InlineData("\u3164", "invisible")] // Hangul filler
    [InlineData("Alice\u3164", "invisible")]
    [InlineData("\u115FAlice", "invisible")] // Hangul choseong filler
    [InlineData("Alice\u1160", "invisible")] // Hangul jungseong filler
    [InlineData("\uFFA0Bob", "invisible")] // halfwidth Hangul filler
    [InlineData("Alice\uFE0F", "invisible")] // variation selector 16
    [InlineData("Alice\U000E0100", "invisible")] // variation selector 17
    [InlineData("Alice\u180E", "invisible")] // Mongolian vowel separator
    [InlineData("Alice\U000E0041", "invisible")] // tag latin capital A
    [InlineData("\u0600Bob", "invisible")] // Arabic number sign (format)
    [InlineData("\u202Eecila", "direction")] // right-to-left override
    [InlineData("\u202Aalice", "direction")]
    [InlineData("alice\u202C", "direction")]
    [InlineData("\u2066alice\u2069", "direction")] // isolates
    [InlineData("\u2067alice", "direction")]
    [InlineData("\u200Ealice", "direction")] // left-to-right mark
    [InlineData("\u200Falice", "direction")] // right-to-left mark
    [InlineData("alice\u061C", "direction")] // Arabic letter mark
    [InlineData("Al\u0007ice", "control")]
    [InlineData("Al\u001Bice", "control")]
    [InlineData("Al\u007Fice", "control")]
    [InlineData("Al\u0085ice", "control")]
    [InlineData("Al\u009Bice", "control")]
    [InlineData("Al\nice", "control")]
    [InlineData("Ali\uE000ce", "private-use")]
    [InlineData("Alice\U000F0000", "private-use")]
    [InlineData("Alice\u0378", "not assigned")]
    [InlineData("Alice\uFFFF", "not assigned")]
    [InlineData("\u0410lice", "Latin letters with Cyrillic")] // Cyrillic А
    [InlineData("Alic\u0435", "Latin letters with Cyrillic")] // Cyrillic е
    [InlineData("p\u0430ypal", "Latin letters with Cyrillic")]
    [InlineData("\u0396eus", "Latin letters with Greek")] // Greek Ζ
    [InlineData("B\u03BFb", "Latin letters with Greek")] // Greek ο
    [InlineData("Алиса Ζωή", "Cyrillic and Greek")]
    [InlineData("הדס ليلى", "Hebrew and Arabic")]
    [InlineData("Hadas הדס ليلى", "Latin, Hebrew and Arabic")]
    [InlineData("Yuki 김 さくら", "Latin, Hangul and Hiragana")]
    public void LookAlikeAndHiddenCharactersAreRefusedWithAReason(string name, string reason)
    {
        var e = Assert.Throws<ChatException>(() => Rules.ValidName(name));
        Assert.Equal(ChatError.InvalidName, e.Error);
        Assert.Contains(reason, e.Message);
        Assert.StartsWith("Your name ", e.Message);
        // The reason names the character by its code point, never by the character itself.
        Assert.DoesNotContain(e.Message, c => c > '\u007E');
    }

    [Fact]
    public void ACharacterNewerThanTheTablesIsRefusedAsNotKnownYet()
    {
        // U+1C89 CYRILLIC CAPITAL LETTER TJE is in Unicode 16.0 (the runtime here) but not in the tables' 15.0.
        Assert.Equal("15.0.0", UnicodeText.Version);
        var e = Assert.Throws<ChatException>(() => Rules.ValidName("\U00001C89ома"));
        Assert.Contains("does not know yet (U+1C89, newer than Unicode 15.0.0)", e.Message);
    }

    [Fact]
    public void TheLengthLimitCountsTheNormalizedName()
    {
        Assert.Equal(string.Concat(Enumerable.Repeat("\u00C1", 32)), Rules.ValidName(string.Concat(Enumerable.Repeat("A\u0301", 32))));
        Assert.Contains("at most 32", Assert.Throws<ChatException>(() => Rules.ValidName(string.Concat(Enumerable.Repeat("A\u0301", 33)))).Message);
        Assert.Contains("at most 32", Assert.Throws<ChatException>(() => Rules.ValidName(new string('\u00C1', 300))).Message);
        Assert.Equal(32, Rules.ValidName(string.Concat(Enumerable.Repeat("😀", 32))).Length / 2);
        // One character whose NFKC is 18 (ARABIC LIGATURE SALLALLAHOU ALAYHE WASALLAM) counts as 18.
        Assert.Equal(18, Rules.CountChars(Rules.ValidName("\uFDFA")));
        Assert.Throws<ChatException>(() => Rules.ValidName("\uFDFA\uFDFA"));
    }

    [Theory]
    [InlineData("Alice", "alice")]
    [InlineData("Alice", "ALICE")]
    [InlineData("Alice", "\uFF21lice")]
    [InlineData("\u00C1lice", "A\u0301LICE")]
    [InlineData("Straße", "STRASSE")]
    [InlineData("ẞ", "ss")]
    [InlineData("ΣΊΣΥΦΟΣ", "σίσυφος")]
    [InlineData("Алиса", "АЛИСА")]
    [InlineData("İlknur", "i\u0307lknur")]
    [InlineData("Ǆemal", "džemal")]
    [InlineData("ﬁona", "FIONA")]
    public void NamesDifferingOnlyInCaseOrNormalizationHaveOneKey(string a, string b)
    {
        Assert.Equal(Rules.NameKey(Rules.ValidName(a)), Rules.NameKey(Rules.ValidName(b)));
    }

    [Theory]
    [InlineData("Alice", "Alicе")] // the second one is refused anyway, but never the same key
    [InlineData("Hadas", "Hadas2")]
    [InlineData("Ilknur", "ılknur")]
    [InlineData("Hadas", "הדס")]
    public void DifferentNamesHaveDifferentKeys(string a, string b)
    {
        Assert.NotEqual(Rules.NameKey(a), Rules.NameKey(b));
    }

    [Fact]
    public void AnAsciiNameKeepsTheKeyItHadBefore()
    {
        Assert.Equal("HADAS SHOHAM-2", Rules.NameKey("Hadas Shoham-2"));
    }

    // ---- the Unicode data ----

    [Fact]
    public void NfkcPassesTheUnicodeConformanceTestOfItsVersion()
    {
        // Debian's unicode-data package (scripts/test.sh installs it) ships the test compressed.
        var lines = ReadCompressed("/usr/share/unicode/NormalizationTest.txt.bz2");
        Assert.True($"# NormalizationTest-{UnicodeText.Version}.txt" == lines[0],
            $"The tables are Unicode {UnicodeText.Version} but this machine's unicode-data says \"{lines[0]}\": " +
            "regenerate them with scripts/unicode/generate-tables.py");

        var inPart1 = new HashSet<int>();
        var part = "";
        var cases = 0;
        foreach (var line in lines)
        {
            if (line.StartsWith('@')) { part = line.Split(' ')[0]; continue; }
            var data = line.Split('#')[0];
            if (data.Length == 0) continue;
            var c = data.Split(';')[..5].Select(f => string.Concat(f.Split(' ').Select(h => char.ConvertFromUtf32(Convert.ToInt32(h, 16))))).ToArray();
            if (part == "@Part1") inPart1.Add(char.ConvertToUtf32(c[0], 0));
            // NFKC conformance: c4 == toNFKC(c1) == toNFKC(c2) == toNFKC(c3) == toNFKC(c4) == toNFKC(c5)
            foreach (var source in c)
                Assert.True(c[3] == UnicodeText.NormalizeKC(source),
                    $"NFKC({Hex(source)}) = {Hex(UnicodeText.NormalizeKC(source))}, expected {Hex(c[3])} ({line})");
            cases++;
        }
        Assert.True(cases > 18000, $"only {cases} cases");
        // Every code point not in part 1 is its own NFKC.
        for (var cp = 0; cp <= 0x10FFFF; cp++)
        {
            if (cp is >= 0xD800 and <= 0xDFFF || inPart1.Contains(cp)) continue;
            var s = char.ConvertFromUtf32(cp);
            Assert.True(s == UnicodeText.NormalizeKC(s), $"NFKC({Hex(s)}) = {Hex(UnicodeText.NormalizeKC(s))}");
        }
    }

    [Fact]
    public void ScriptsAndIgnorablesComeFromTheTables()
    {
        Assert.Equal("Latin", UnicodeText.ScriptOf('A'));
        Assert.Equal("Cyrillic", UnicodeText.ScriptOf(0x0410));
        Assert.Equal("Greek", UnicodeText.ScriptOf(0x03A9));
        Assert.Equal("Hebrew", UnicodeText.ScriptOf(0x05D3));
        Assert.Equal("Arabic", UnicodeText.ScriptOf(0x0644));
        Assert.Equal("Han", UnicodeText.ScriptOf(0x674E));
        Assert.Equal("Han", UnicodeText.ScriptOf(0x20000));
        Assert.Equal("Hangul", UnicodeText.ScriptOf(0xAC00));
        Assert.Equal("Common", UnicodeText.ScriptOf('1'));
        Assert.Equal("Inherited", UnicodeText.ScriptOf(0x0301));
        Assert.Equal(UnicodeText.Unknown, UnicodeText.ScriptOf(0x0378));
        Assert.Equal(UnicodeText.Unknown, UnicodeText.ScriptOf(0xE000));
        Assert.Equal(UnicodeText.Unknown, UnicodeText.ScriptOf(0x10FFFF));
        foreach (var cp in new[] { 0x00AD, 0x034F, 0x115F, 0x1160, 0x200B, 0x200D, 0x2060, 0x3164, 0xFE0F, 0xFEFF, 0xFFA0, 0xE0001, 0xE0FFF })
            Assert.True(UnicodeText.IsDefaultIgnorable(cp), $"U+{cp:X4}");
        foreach (var cp in new[] { 0x0020, 0x0041, 0x00AC, 0x00AE, 0x05D0, 0x2010, 0xFFFD, 0xE1000 })
            Assert.False(UnicodeText.IsDefaultIgnorable(cp), $"U+{cp:X4}");
    }

    private static List<string> ReadCompressed(string path)
    {
        Assert.True(File.Exists(path), $"{path} is missing: apt-get install unicode-data bzip2");
        using var bzcat = Process.Start(new ProcessStartInfo("bzcat", [path]) { RedirectStandardOutput = true })!;
        var lines = new List<string>();
        while (bzcat.StandardOutput.ReadLine() is { } line) lines.Add(line);
        Assert.True(bzcat.WaitForExit(30_000));
        Assert.Equal(0, bzcat.ExitCode);
        return lines;
    }

    private static string Hex(string s) => string.Join(" ", s.EnumerateRunes().Select(r => $"{r.Value:X4}"));
}
