using MimeKit;
using MimeKit.Utils;

namespace Nexus.Api.Infrastructure.Email;

/// <summary>Turns an <see cref="EmailMessage"/> into the MIME message that SMTP and the mail drop both send.</summary>
internal static class EmailMime
{
    public const string KindHeader = "X-Nexus-Kind";

    public static MimeMessage Create(EmailMessage message, string from, DateTimeOffset date)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(message.Kind);
        ArgumentException.ThrowIfNullOrWhiteSpace(message.To);

        var sender = MailboxAddress.Parse(from);
        var body = new BodyBuilder { TextBody = message.TextBody, HtmlBody = message.HtmlBody };
        var mime = new MimeMessage
        {
            Subject = message.Subject,
            Date = date,
            MessageId = MimeUtils.GenerateMessageId(DomainOf(sender.Address) is { Length: > 0 } domain ? domain : "localhost"),
            Body = body.ToMessageBody(),
        };
        mime.From.Add(sender);
        mime.To.Add(MailboxAddress.Parse(message.To));
        mime.Headers.Add(KindHeader, message.Kind);
        return mime;
    }

    /// <summary>The part of an address after the last <c>@</c>: all of a recipient that the log may show.</summary>
    public static string DomainOf(string address) =>
        address.LastIndexOf('@') is var at and >= 0 ? address[(at + 1)..].Trim().TrimEnd('>') : "";
}
