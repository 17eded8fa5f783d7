using System.Globalization;
using MimeKit;

namespace Nexus.Api.Infrastructure.Email;

/// <summary>An email found in the mail drop, parsed back from its <c>.eml</c> file.</summary>
/// <param name="To">The recipient's address.</param>
/// <param name="Subject">The subject line.</param>
/// <param name="Kind">The <c>X-Nexus-Kind</c> header: what the email is for.</param>
/// <param name="TextBody">The plain-text body, decoded, with <c>\n</c> line ends.</param>
/// <param name="HtmlBody">The HTML alternative, when there is one, with <c>\n</c> line ends.</param>
/// <param name="SentAt">When it was sent, to the millisecond (from the file name).</param>
/// <param name="File">The absolute path of the <c>.eml</c> file.</param>
public sealed record DroppedMail(string To, string Subject, string Kind, string TextBody, string? HtmlBody, DateTimeOffset SentAt, string File)
{
    // The body carries single-use tokens; keep it out of assertion messages and logs that print the record.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Kind = ").Append(Kind).Append(", To = ").Append(To).Append(", Subject = ").Append(Subject)
            .Append(", SentAt = ").Append(SentAt.ToString("O", CultureInfo.InvariantCulture)).Append(", File = ").Append(File);
        return true;
    }
}

/// <summary>
/// The mail drop: the folder where <see cref="MailDropEmailSender"/> writes each email as an RFC 5322 <c>.eml</c>
/// file named <c>{yyyyMMdd-HHmmss-fff UTC}-{kind}-{guid}.eml</c> when no SMTP host is configured. Registered as a
/// singleton only then; tests and developers read what was "sent" through it (or open the files in a mail client).
/// </summary>
public sealed class MailDrop
{
    private const string TimestampFormat = "yyyyMMdd-HHmmss-fff";

    public MailDrop(string directory) => DirectoryPath = Path.GetFullPath(directory);

    /// <summary>The absolute path of the drop folder (it may not exist before the first email).</summary>
    public string DirectoryPath { get; }

    /// <summary>Every email sent to <paramref name="to"/> (compared case-insensitively), oldest first, newest last.</summary>
    public IReadOnlyList<DroppedMail> For(string to)
    {
        var wanted = to.Trim();
        return [.. All().Where(mail => string.Equals(mail.To, wanted, StringComparison.OrdinalIgnoreCase))];
    }

    /// <summary>Every email in the drop, oldest first, newest last.</summary>
    public IReadOnlyList<DroppedMail> All()
    {
        if (!Directory.Exists(DirectoryPath))
        {
            return [];
        }

        var found = new List<(DroppedMail Mail, DateTime Written)>();
        foreach (var file in Directory.EnumerateFiles(DirectoryPath, "*.eml"))
        {
            try
            {
                found.Add((Read(file), File.GetLastWriteTimeUtc(file)));
            }
            catch (FileNotFoundException)
            {
                // Deleted (by a developer clearing the drop) between listing and reading: it is simply gone.
            }
        }

        // Two emails can share a millisecond; the file's write time, finer than that, keeps them in order.
        return [.. found.OrderBy(f => f.Mail.SentAt).ThenBy(f => f.Written).Select(f => f.Mail)];
    }

    internal string NewFilePath(DateTimeOffset sentAt, string kind)
    {
        var slug = new string([.. kind.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]);
        var timestamp = sentAt.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);
        return Path.Combine(DirectoryPath, $"{timestamp}-{slug}-{Guid.NewGuid():N}.eml");
    }

    private static DroppedMail Read(string file)
    {
        using var mime = MimeMessage.Load(file);
        var name = Path.GetFileName(file);
        var sentAt = name.Length >= TimestampFormat.Length &&
                     DateTime.TryParseExact(name[..TimestampFormat.Length], TimestampFormat, CultureInfo.InvariantCulture,
                         DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed)
            ? new DateTimeOffset(parsed, TimeSpan.Zero)
            : mime.Date;
        return new DroppedMail(
            mime.To.Mailboxes.FirstOrDefault()?.Address ?? "",
            mime.Subject ?? "",
            mime.Headers[EmailMime.KindHeader] ?? "",
            // The file has CRLF line ends, as RFC 5322 wants; give the bodies back with the \n they were written with.
            (mime.TextBody ?? "").ReplaceLineEndings("\n"),
            mime.HtmlBody?.ReplaceLineEndings("\n"),
            sentAt,
            file);
    }
}
