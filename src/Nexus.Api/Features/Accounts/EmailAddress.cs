using System.Net.Mail;
using System.Text;

namespace Nexus.Api.Features.Accounts;

/// <summary>Email addresses as Nexus stores and compares them.</summary>
public static class EmailAddress
{
    public const int MaximumLength = 254;

    /// <summary>Trimmed, NFC-normalised and lower-cased, so that one mailbox has one spelling.</summary>
    public static string Normalize(string email) =>
        email.Trim().Normalize(NormalizationForm.FormC).ToLowerInvariant();

    /// <summary>Whether a normalised address is a plain <c>local@domain.tld</c> mailbox.</summary>
    public static bool IsValid(string normalized) =>
        normalized.Length is > 0 and <= MaximumLength &&
        MailAddress.TryCreate(normalized, out var parsed) &&
        parsed.Address == normalized && string.IsNullOrEmpty(parsed.DisplayName) &&
        parsed.Host.Contains('.', StringComparison.Ordinal) && !parsed.Host.EndsWith('.') &&
        !normalized.Any(char.IsWhiteSpace);
}
