namespace Nexus.Api.Infrastructure.Email;

/// <summary>
/// Sends email: over SMTP when <c>Nexus:Smtp:Host</c> is set, else into the mail drop (<see cref="MailDrop"/>).
/// Slices should not call it inside a command's transaction; they return a <see cref="SendEmail"/> message so
/// that the email leaves only once the transaction has committed, with Wolverine's retries behind it.
/// </summary>
public interface IEmailSender
{
    Task SendAsync(EmailMessage message, CancellationToken ct);
}
