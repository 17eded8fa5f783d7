using System.Text;

namespace Nexus.Api.Platforms.LinkedIn;

/// <summary>
/// LinkedIn's "little text" format for post commentary: the reserved characters <c>\ | { } @ [ ] ( ) &lt; &gt; # * _ ~</c>
/// must be escaped with a backslash, or LinkedIn silently truncates the text at the first one. Hashtags
/// (<c>#word</c>) become hashtag templates, <c>{hashtag|\#|word}</c>, so they stay hashtags.
/// </summary>
public static class LinkedInLittleText
{
    private const string Reserved = @"\|{}@[]()<>#*_~";

    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var escaped = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '#' && HashtagLength(text, i) is var length and > 0)
            {
                escaped.Append(@"{hashtag|\#|");
                AppendEscaped(escaped, text.AsSpan(i + 1, length));
                escaped.Append('}');
                i += length;
                continue;
            }

            AppendEscaped(escaped, text.AsSpan(i, 1));
        }

        return escaped.ToString();
    }

    private static void AppendEscaped(StringBuilder escaped, ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (Reserved.Contains(c, StringComparison.Ordinal))
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }
    }

    /// <summary>
    /// The length of the tag after a <c>#</c> at <paramref name="index"/> when it starts a hashtag: the <c>#</c> is not
    /// inside a word, and letters, digits and underscores follow, at least one of them a letter (<c>#1</c> is not a tag).
    /// </summary>
    private static int HashtagLength(string text, int index)
    {
        if (index > 0 && (IsTagChar(text[index - 1]) || text[index - 1] == '#'))
        {
            return 0;
        }

        var end = index + 1;
        var hasLetter = false;
        while (end < text.Length && IsTagChar(text[end]))
        {
            hasLetter |= char.IsLetter(text[end]);
            end++;
        }

        return hasLetter ? end - index - 1 : 0;
    }

    private static bool IsTagChar(char c) => char.IsLetterOrDigit(c) || c == '_' || char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.NonSpacingMark;
}
