namespace Nexus.Api.Infrastructure.Email;

/// <summary>
/// Every log line about email. What they carry is decided here, in one place: kind, subject and the recipient's
/// domain; never the full address, a body (bodies hold single-use tokens) or a credential.
/// </summary>
internal static partial class EmailLog
{
    public static void SentOverSmtp(this ILogger logger, EmailMessage message)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            var domain = EmailMime.DomainOf(message.To);
            SentOverSmtp(logger, message.Kind, domain, message.Subject);
        }
    }

    public static void Dropped(this ILogger logger, EmailMessage message, string path)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            var domain = EmailMime.DomainOf(message.To);
            Dropped(logger, message.Kind, domain, message.Subject);
        }

        if (logger.IsEnabled(LogLevel.Debug))
        {
            var file = Path.GetFileName(path);
            DroppedFile(logger, file);
        }
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Sent {Kind} email to a mailbox at {Domain} over SMTP: {Subject}")]
    private static partial void SentOverSmtp(ILogger logger, string kind, string domain, string subject);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Dropped {Kind} email to a mailbox at {Domain}: {Subject}")]
    private static partial void Dropped(ILogger logger, string kind, string domain, string subject);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Debug, Message = "Mail drop file {File}")]
    private static partial void DroppedFile(ILogger logger, string file);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Information, Message = "Mail drop: outgoing email is written to {Directory} (set Nexus:Smtp:Host to send it)")]
    public static partial void MailDropInUse(this ILogger logger, string directory);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Warning, Message = "Nexus:Smtp:Host is not set: outgoing email is written to {Directory}, not delivered")]
    public static partial void MailDropInsteadOfSmtp(this ILogger logger, string directory);
}
