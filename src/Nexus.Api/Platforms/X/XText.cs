using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Nexus.Api.Platforms.X;

/// <summary>
/// X's weighted character count (twitter-text v3 configuration): the text is NFC-normalised; every URL counts 23;
/// every emoji (a whole sequence: skin tones, ZWJ families, flags, keycaps) counts 2; any other code point counts 1
/// in U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F and U+2032–U+2037, and 2 elsewhere (CJK, most symbols).
/// </summary>
public static partial class XText
{
    /// <summary>Most weighted characters in a post.</summary>
    public const int MaxWeightedLength = 280;

    /// <summary>What every URL counts, whatever its length (X wraps links in t.co).</summary>
    public const int UrlWeight = 23;

    private const int Scale = 100;
    private const int DefaultWeight = 200;

    private static readonly (int First, int Last)[] LightRanges = [(0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037)];

    /// <summary>The weighted length of <paramref name="text"/> as X counts it.</summary>
    public static int WeightedLength(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = text.Normalize(NormalizationForm.FormC);
        var weight = 0;
        var position = 0;
        foreach (var url in Urls(normalized))
        {
            weight += WeightOfPlainText(normalized.AsSpan(position, url.Index - position));
            weight += UrlWeight * Scale;
            position = url.Index + url.Length;
        }

        weight += WeightOfPlainText(normalized.AsSpan(position));
        return weight / Scale;
    }

    /// <summary>
    /// The URLs X would link: anything starting <c>http://</c> or <c>https://</c>, and bare domains on common
    /// generic TLDs (<c>example.com/path</c>). twitter-text knows every TLD; bare domains on other TLDs are counted
    /// as plain text here, which can only under-count them.
    /// </summary>
    internal static IEnumerable<(int Index, int Length)> Urls(string text)
    {
        foreach (Match match in UrlPattern().Matches(text))
        {
            var value = match.Value;
            var length = value.Length;

            // Trailing punctuation ends a sentence, not the URL (a closing parenthesis only when unbalanced).
            while (length > 0 && ".,;:!?'\"”’]}".Contains(value[length - 1], StringComparison.Ordinal) ||
                   (length > 0 && value[length - 1] == ')' && value[..length].Count(c => c == '(') < value[..length].Count(c => c == ')')))
            {
                length--;
            }

            if (length > 0)
            {
                yield return (match.Index, length);
            }
        }
    }

    private static int WeightOfPlainText(ReadOnlySpan<char> text)
    {
        var weight = 0;
        var elements = StringInfo.GetTextElementEnumerator(text.ToString());
        while (elements.MoveNext())
        {
            var element = (string)elements.Current;
            if (IsEmoji(element))
            {
                weight += DefaultWeight;
                continue;
            }

            foreach (var rune in element.EnumerateRunes())
            {
                weight += WeightOf(rune.Value);
            }
        }

        return weight;
    }

    private static int WeightOf(int codePoint)
    {
        foreach (var (first, last) in LightRanges)
        {
            if (codePoint >= first && codePoint <= last)
            {
                return Scale;
            }
        }

        return DefaultWeight;
    }

    /// <summary>
    /// Whether a grapheme cluster is an emoji sequence. Only sequences of several code points are affected (a
    /// single pictograph outside the light ranges weighs 2 either way), so the test is: it has an emoji
    /// presentation selector, a keycap, or a code point from the emoji blocks U+1F000–U+1FAFF (pictographs, skin
    /// tones, regional indicators); ZWJ sequences are one cluster and carry one of those.
    /// </summary>
    private static bool IsEmoji(string element)
    {
        foreach (var rune in element.EnumerateRunes())
        {
            var c = rune.Value;
            if (c is 0xFE0F or 0x20E3 or (>= 0x1F000 and <= 0x1FAFF))
            {
                return true;
            }
        }

        return false;
    }

    [GeneratedRegex(
        @"https?://[^\s<>""]+|(?<![\w@.\-/])(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+(?:com|net|org|info|biz|edu|gov|app|dev|xyz|online|site|shop|blog|news|tech|store)(?![\w\-])(?:/[^\s<>""]*)?",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlPattern();
}
