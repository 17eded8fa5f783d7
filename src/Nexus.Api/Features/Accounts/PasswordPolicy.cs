using System.Collections.Frozen;

namespace Nexus.Api.Features.Accounts;

/// <summary>
/// What a password must be: at least <see cref="MinimumLength"/> characters, not a common password, and not a
/// common password with digits or symbols stuck on the end (<c>password1234!</c>).
/// </summary>
public sealed class PasswordPolicy
{
    public const int MinimumLength = 12;
    public const int MaximumLength = 256;

    private readonly FrozenSet<string> _common;

    public PasswordPolicy(IEnumerable<string> commonPasswords) =>
        _common = commonPasswords.Select(p => p.Trim().ToLowerInvariant()).Where(p => p.Length > 0).ToFrozenSet(StringComparer.Ordinal);

    public static PasswordPolicy Default { get; } = new(LoadEmbeddedList());

    /// <summary>The reason the password is refused, or null when it is acceptable.</summary>
    public string? Check(string password)
    {
        if (password.Length < MinimumLength)
        {
            return $"The password must be at least {MinimumLength} characters long.";
        }

        if (password.Length > MaximumLength)
        {
            return $"The password must be at most {MaximumLength} characters long.";
        }

        var lower = password.ToLowerInvariant();
        var stem = lower.TrimEnd("0123456789!@#$%^&*()-_=+.?~ ".ToCharArray());
        if (_common.Contains(lower) || (stem.Length >= 4 && _common.Contains(stem)) || IsRepetition(lower))
        {
            return "This password is too common; choose one that is harder to guess.";
        }

        return null;
    }

    // "aaaaaaaaaaaa", "abcabcabcabc": long but trivially guessable.
    private static bool IsRepetition(string password)
    {
        for (var period = 1; period <= password.Length / 2; period++)
        {
            if (password.Length % period == 0 && password.AsSpan(0, period).ToString() is var unit &&
                string.Concat(Enumerable.Repeat(unit, password.Length / period)) == password)
            {
                return true;
            }
        }

        return false;
    }

    private static List<string> LoadEmbeddedList()
    {
        using var stream = typeof(PasswordPolicy).Assembly.GetManifestResourceStream("common-passwords.txt")
            ?? throw new InvalidOperationException("The common-password list is not embedded.");
        using var reader = new StreamReader(stream);
        var passwords = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            if (!line.StartsWith('#'))
            {
                passwords.Add(line);
            }
        }

        return passwords;
    }
}
