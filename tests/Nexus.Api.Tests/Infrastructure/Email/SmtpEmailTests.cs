using System.Net.Sockets;
using MailKit.Net.Smtp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nexus.Api.Infrastructure.Email;
using Wolverine.Tracking;

namespace Nexus.Api.Tests.Infrastructure.Email;

/// <summary>The API with an SMTP host: the fake server on loopback, plain text, with a username and password.</summary>
public sealed class SmtpFixture : ApiFixture, IDisposable
{
    public const string Username = "nexus-mailer";

    public string Password { get; } = $"smtp-Secret-{Guid.NewGuid():N}";

    public FakeSmtpServer Server { get; } = FakeSmtpServer.Start();

    public CapturedLogs Logs { get; } = new();

    protected override string Purpose => "smtp";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nexus:Smtp:Host"] = "127.0.0.1",
        ["Nexus:Smtp:Port"] = Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Nexus:Smtp:Security"] = "None",
        ["Nexus:Smtp:Username"] = Username,
        ["Nexus:Smtp:Password"] = Password,
        ["Nexus:Smtp:From"] = "Nexus Test <mailer@nexus.test>",
        ["Nexus:Smtp:Timeout"] = "00:00:10",
    };

    protected override void ConfigureServices(IServiceCollection services) => Logs.AddTo(services);

    public void Dispose() => Server.Dispose();
}

public sealed class SmtpEmailTests(SmtpFixture api) : IClassFixture<SmtpFixture>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public void with_an_smtp_host_the_sender_is_smtp_and_there_is_no_mail_drop()
    {
        Assert.IsType<SmtpEmailSender>(api.Host.Services.GetRequiredService<IEmailSender>());
        Assert.Null(api.Host.Services.GetService<MailDrop>());
    }

    [Fact]
    public async Task SendEmail_through_the_bus_reaches_the_server_authenticated_with_recipient_subject_and_kind()
    {
        var to = NewAddress();
        var token = NewToken();

        await api.Host.TrackActivity().Timeout(Limit)
            .SendMessageAndWaitAsync(new SendEmail(new EmailMessage("invitation", to, "You are invited to Acme", $"Join: https://nexus.test/join?token={token}")));

        var received = Assert.Single(api.Server.For(to));
        Assert.True(received.Accepted);
        Assert.Equal([to], received.Recipients);
        Assert.Equal("mailer@nexus.test", received.MailFrom);
        Assert.Equal(SmtpFixture.Username, received.Username);
        Assert.Equal(api.Password, received.Password);
        using var message = received.Parse();
        Assert.Equal("You are invited to Acme", message.Subject);
        Assert.Equal(to, message.To.Mailboxes.Single().Address);
        Assert.Equal("invitation", message.Headers["X-Nexus-Kind"]);
        Assert.Contains(token, message.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task neither_the_password_nor_the_body_nor_the_mailbox_reaches_the_logs()
    {
        var local = $"private-{Guid.NewGuid():N}";
        var token = NewToken();

        await api.Host.TrackActivity().Timeout(Limit)
            .SendMessageAndWaitAsync(new SendEmail(new EmailMessage("password-reset", $"{local}@example.net", "Reset your password", $"Reset: {token}")));

        Assert.Single(api.Server.For($"{local}@example.net"));
        Assert.Contains(api.Logs.Entries, e => e.Message == "Sent password-reset email to a mailbox at example.net over SMTP: Reset your password");
        Assert.Contains(api.Logs.Entries, e => e.Level == LogLevel.Debug); // the search covers every level
        Assert.DoesNotContain(api.Password, api.Logs.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(token, api.Logs.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(local, api.Logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_transient_refusal_is_retried_and_the_email_arrives_once()
    {
        var to = NewAddress();
        api.Server.FailNextData(1);

        var session = await api.Host.TrackActivity().Timeout(Limit).DoNotAssertOnExceptionsDetected()
            .SendMessageAndWaitAsync(new SendEmail(new EmailMessage("verify-email", to, "Confirm your email", "Confirm.")));

        var attempts = api.Server.For(to);
        Assert.Equal([false, true], attempts.Select(a => a.Accepted));
        // Retried in-process after the cooldown: one message, two runs of the handler, no dead letter.
        Assert.Equal(2, session.ExecutionStarted.MessagesOf<SendEmail>().Count());
        Assert.Single(session.MessageSucceeded.MessagesOf<SendEmail>());
        Assert.Empty(session.MovedToErrorQueue.MessagesOf<SendEmail>());
    }

    [Fact]
    public async Task a_permanent_refusal_is_not_retried()
    {
        var to = NewAddress();
        api.Server.RejectRecipient(to);

        var session = await api.Host.TrackActivity().Timeout(Limit).DoNotAssertOnExceptionsDetected()
            .SendMessageAndWaitAsync(new SendEmail(new EmailMessage("verify-email", to, "Confirm your email", "Confirm.")));

        var failure = Assert.IsType<SmtpCommandException>(Assert.Single(session.AllExceptions()));
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, failure.StatusCode);
        Assert.Single(session.MovedToErrorQueue.MessagesOf<SendEmail>());
        Assert.Empty(api.Server.For(to));
    }

    [Fact]
    public void transient_failures_are_4xx_replies_and_network_trouble_only()
    {
        Assert.True(SendEmailHandler.IsTransient(new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.MailboxBusy, "busy")));
        Assert.True(SendEmailHandler.IsTransient(new SmtpProtocolException("hung up")));
        Assert.True(SendEmailHandler.IsTransient(new IOException("reset")));
        Assert.True(SendEmailHandler.IsTransient(new SocketException((int)SocketError.ConnectionRefused)));
        Assert.True(SendEmailHandler.IsTransient(new TimeoutException()));
        Assert.False(SendEmailHandler.IsTransient(new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable, "no such user")));
        Assert.False(SendEmailHandler.IsTransient(new MailKit.Security.AuthenticationException("bad credentials")));
        Assert.False(SendEmailHandler.IsTransient(new InvalidOperationException()));
    }

    private static string NewAddress() => $"user-{Guid.NewGuid():N}@example.com";

    private static string NewToken() => Convert.ToHexString(Guid.NewGuid().ToByteArray());
}
