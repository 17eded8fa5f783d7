using Microsoft.Extensions.Options;
using MimeKit;

namespace Nexus.Api.Infrastructure.Email;

/// <summary>
/// "Sends" email by writing it into the <see cref="MailDrop"/>: what development and tests use when no SMTP host is
/// configured, so that every flow that emails someone can be followed without a mail server.
/// </summary>
public sealed class MailDropEmailSender(MailDrop drop, IOptions<SmtpOptions> smtp, TimeProvider time, ILogger<MailDropEmailSender> logger) : IEmailSender
{
    // RFC 5322 wants CRLF line ends whatever the OS; mail clients open such files as they are.
    private static readonly FormatOptions Format = CreateFormat();

    public async Task SendAsync(EmailMessage message, CancellationToken ct)
    {
        var sentAt = time.GetUtcNow();
        using var mime = EmailMime.Create(message, smtp.Value.From, sentAt);
        // 8-bit and lines up to RFC 5322's 998 characters: a developer reading the raw file sees links whole
        // rather than quoted-printable fragments.
        mime.Prepare(EncodingConstraint.EightBit, 998);

        Directory.CreateDirectory(drop.DirectoryPath);
        var path = drop.NewFilePath(sentAt, message.Kind);
        // Written under another name and then renamed, so a reader never parses half a message.
        var partial = path + ".partial";
        try
        {
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                await mime.WriteToAsync(Format, file, ct);
            }

            File.Move(partial, path);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }

        logger.Dropped(message, path);
    }

    private static FormatOptions CreateFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }
}
