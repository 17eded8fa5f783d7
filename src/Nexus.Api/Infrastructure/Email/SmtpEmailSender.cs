using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;

namespace Nexus.Api.Infrastructure.Email;

/// <summary>Sends each email over its own SMTP connection to the relay in <see cref="SmtpOptions"/>.</summary>
public sealed class SmtpEmailSender(IOptions<SmtpOptions> options, TimeProvider time, ILogger<SmtpEmailSender> logger) : IEmailSender
{
    public async Task SendAsync(EmailMessage message, CancellationToken ct)
    {
        var settings = options.Value;
        var host = settings.Host is { Length: > 0 } configured
            ? configured
            : throw new InvalidOperationException($"{SmtpOptions.Section}:Host is not set.");
        using var mime = EmailMime.Create(message, settings.From, time.GetUtcNow());

        // One connection per email: MailKit's client is not thread-safe, and transactional email is too rare for
        // a pool to pay off. No protocol logger is attached: it would record the AUTH exchange and the body.
        using var client = new SmtpClient { Timeout = (int)settings.Timeout.TotalMilliseconds };
        await client.ConnectAsync(host, settings.Port, SocketOptions(settings.Security), ct);
        if (!string.IsNullOrEmpty(settings.Username))
        {
            await client.AuthenticateAsync(settings.Username, settings.Password ?? "", ct);
        }

        await client.SendAsync(mime, ct);
        await client.DisconnectAsync(quit: true, ct);

        logger.SentOverSmtp(message);
    }

    private static SecureSocketOptions SocketOptions(SmtpSecurity security) => security switch
    {
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        SmtpSecurity.None => SecureSocketOptions.None,
        _ => throw new ArgumentOutOfRangeException(nameof(security), security, "Unknown SMTP security mode."),
    };
}
