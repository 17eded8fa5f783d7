using System.Net.Sockets;
using MailKit.Net.Smtp;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace Nexus.Api.Infrastructure.Email;

/// <summary>
/// Sends one email. A slice returns it among its outgoing messages instead of calling <see cref="IEmailSender"/>:
/// Wolverine stores it in the outbox in the command's own transaction and delivers it from a durable local queue
/// once that commits, so no email leaves for a change that rolled back, and none is lost when the relay is down.
/// </summary>
public sealed record SendEmail(EmailMessage Message);

public static class SendEmailHandler
{
    public static Task Handle(SendEmail command, IEmailSender sender, CancellationToken ct) =>
        sender.SendAsync(command.Message, ct);

    /// <summary>Wolverine calls this once for the handler chain: retries for failures a relay recovers from.</summary>
    public static void Configure(HandlerChain chain) =>
        // Short in-process pauses ride out a blip; after them the message goes back to the durable store and
        // is tried again over hours before it lands in the dead-letter queue. Permanent refusals (5xx: no such
        // mailbox, authentication failed) are not retried.
        chain.OnException(IsTransient, "transient SMTP failure")
            .RetryWithCooldown(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30))
            .Then.ScheduleRetry(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2));

    internal static bool IsTransient(Exception exception) => exception switch
    {
        // 4xx replies are the relay saying "not now" (greylisting, busy, out of storage).
        SmtpCommandException command => (int)command.StatusCode is >= 400 and < 500,
        // The relay hung up or spoke garbage mid-conversation, or the network failed or timed out.
        SmtpProtocolException or IOException or SocketException or TimeoutException => true,
        _ => false,
    };
}
