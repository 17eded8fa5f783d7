using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MimeKit;
using Nexus.Api.Infrastructure.Email;
using Wolverine.Configuration;
using Wolverine.Runtime;
using Wolverine.Tracking;

namespace Nexus.Api.Tests.Infrastructure.Email;

/// <summary>The API with no SMTP host, so email goes to a mail drop in a fresh temporary folder.</summary>
public sealed class MailDropFixture : ApiFixture, IDisposable
{
    public string DropDirectory { get; } = Path.Combine(Path.GetTempPath(), $"nexus-mail-{Guid.NewGuid():N}");

    public CapturedLogs Logs { get; } = new();

    public MailDrop Drop => Host.Services.GetRequiredService<MailDrop>();

    public IEmailSender Sender => Host.Services.GetRequiredService<IEmailSender>();

    protected override string Purpose => "maildrop";

    protected override IDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Nexus:Email:DropDirectory"] = DropDirectory };

    protected override void ConfigureServices(IServiceCollection services) => Logs.AddTo(services);

    public void Dispose()
    {
        if (Directory.Exists(DropDirectory))
        {
            Directory.Delete(DropDirectory, recursive: true);
        }
    }
}

public sealed partial class MailDropTests(MailDropFixture api) : IClassFixture<MailDropFixture>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public void without_an_smtp_host_the_sender_is_the_mail_drop_in_the_configured_folder()
    {
        Assert.IsType<MailDropEmailSender>(api.Sender);
        Assert.Equal(Path.GetFullPath(api.DropDirectory), api.Drop.DirectoryPath);
    }

    [Fact]
    public async Task an_email_sent_through_the_sender_is_found_by_its_recipient_with_subject_kind_and_bodies()
    {
        var to = NewAddress();
        var token = NewToken();
        var text = $"Hello,\n\nconfirm your address: https://nexus.test/verify?token={token}\n";

        await api.Sender.SendAsync(new EmailMessage("verify-email", to, "Confirm your email", text, $"<p><a href=\"https://nexus.test/verify?token={token}\">Confirm</a></p>"),
            CancellationToken.None).WaitAsync(Limit);

        var mail = Assert.Single(api.Drop.For(to.ToUpperInvariant()));
        Assert.Equal(to, mail.To);
        Assert.Equal("Confirm your email", mail.Subject);
        Assert.Equal("verify-email", mail.Kind);
        Assert.Equal(text, mail.TextBody);
        Assert.Contains(token, mail.HtmlBody ?? "", StringComparison.Ordinal);
        Assert.InRange(mail.SentAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Empty(api.Drop.For(NewAddress()));
    }

    [Fact]
    public async Task drop_files_are_rfc_5322_messages_named_by_time_and_kind_that_mimekit_parses()
    {
        var to = NewAddress();
        await api.Sender.SendAsync(new EmailMessage("password-reset", to, "Reset your password", "Line one\nLine two"), CancellationToken.None).WaitAsync(Limit);

        var file = Assert.Single(api.Drop.For(to)).File;
        Assert.Equal(Path.GetFullPath(api.DropDirectory), Path.GetDirectoryName(file));
        Assert.Matches(FileName(), Path.GetFileName(file));

        var raw = await File.ReadAllTextAsync(file);
        Assert.DoesNotMatch("[^\r]\n", raw); // CRLF line ends only
        using var message = await MimeMessage.LoadAsync(file);
        var from = message.From.Mailboxes.Single();
        Assert.Equal(("Nexus", "no-reply@localhost"), (from.Name, from.Address));
        Assert.Equal(to, message.To.Mailboxes.Single().Address);
        Assert.Equal("Reset your password", message.Subject);
        Assert.Equal("password-reset", message.Headers["X-Nexus-Kind"]);
        Assert.False(string.IsNullOrEmpty(message.MessageId));
        Assert.Equal("Line one\nLine two", (message.TextBody ?? "").ReplaceLineEndings("\n").TrimEnd('\n'));
        Assert.Null(message.HtmlBody);
    }

    [Fact]
    public async Task an_address_gets_its_own_mail_newest_last()
    {
        var to = NewAddress();
        var other = NewAddress();
        foreach (var (recipient, subject) in new[] { (to, "first"), (other, "not yours"), (to, "second"), (to, "third") })
        {
            await api.Sender.SendAsync(new EmailMessage("invitation", recipient, subject, "You are invited."), CancellationToken.None).WaitAsync(Limit);
        }

        Assert.Equal(["first", "second", "third"], api.Drop.For(to).Select(m => m.Subject));
        Assert.Equal(["not yours"], api.Drop.For(other).Select(m => m.Subject));
    }

    [Fact]
    public async Task SendEmail_through_the_wolverine_bus_is_delivered_from_a_durable_queue_to_the_drop()
    {
        var to = NewAddress();
        var token = NewToken();

        var session = await api.Host.TrackActivity().Timeout(Limit)
            .SendMessageAndWaitAsync(new SendEmail(new EmailMessage("verify-email", to, "Confirm your email", $"Your code: {token}")));

        var mail = Assert.Single(api.Drop.For(to));
        Assert.Equal("verify-email", mail.Kind);
        Assert.Contains(token, mail.TextBody, StringComparison.Ordinal);
        Assert.Single(session.MessageSucceeded.MessagesOf<SendEmail>());

        var destination = session.Sent.SingleEnvelope<SendEmail>().Destination!;
        var endpoint = api.Host.Services.GetRequiredService<IWolverineRuntime>().Endpoints.EndpointFor(destination);
        Assert.Equal(EndpointMode.Durable, endpoint!.Mode);
    }

    [Fact]
    public async Task logs_name_kind_subject_and_domain_but_never_the_body_or_the_mailbox()
    {
        var local = $"private-{Guid.NewGuid():N}";
        var token = NewToken();

        await api.Host.TrackActivity().Timeout(Limit)
            .SendMessageAndWaitAsync(new SendEmail(new EmailMessage("password-reset", $"{local}@example.org", "Reset your password", $"Reset: {token}")));

        Assert.Contains(api.Logs.Entries, e => e.Level == LogLevel.Information &&
            e.Message == "Dropped password-reset email to a mailbox at example.org: Reset your password");
        Assert.DoesNotContain(token, api.Logs.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(local, api.Logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void an_email_prints_kind_subject_and_domain_but_not_the_body_or_the_mailbox()
    {
        var message = new EmailMessage("verify-email", "someone@example.com", "Confirm", "secret-token", "<p>secret-token</p>");

        Assert.Equal("EmailMessage { Kind = verify-email, To = *@example.com, Subject = Confirm }", message.ToString());
        Assert.Equal("SendEmail { Message = EmailMessage { Kind = verify-email, To = *@example.com, Subject = Confirm } }", new SendEmail(message).ToString());
    }

    [Fact]
    public void start_up_says_where_the_drop_is()
    {
        // The test host runs as "Testing", where an undelivered email is worth a warning.
        Assert.Contains(api.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains(api.Drop.DirectoryPath, StringComparison.Ordinal));
    }

    [Fact]
    public async Task in_development_start_up_says_where_the_drop_is_as_information()
    {
        using var logs = new CapturedLogs();
        using var factory = new LoggerFactory([logs]);
        var drop = new MailDrop(Path.Combine(Path.GetTempPath(), "some-drop"));
        var announcement = new MailDropAnnouncement(drop, Development, new Logger<MailDrop>(factory));

        await announcement.StartAsync(CancellationToken.None);

        var line = Assert.Single(logs.Entries);
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Equal($"Mail drop: outgoing email is written to {drop.DirectoryPath} (set Nexus:Smtp:Host to send it)", line.Message);
    }

    [Fact]
    public void the_default_drop_is_the_repository_data_folder_in_development_and_the_working_directory_elsewhere()
    {
        var relative = new EmailOptions().DropDirectory;

        Assert.Equal(Path.Combine(RepositoryRoot.Path, ".data", "mail"), EmailSetup.DropDirectory(relative, Development));
        Assert.Equal(Path.Combine(Directory.GetCurrentDirectory(), ".data", "mail"), EmailSetup.DropDirectory(relative, new Environment { EnvironmentName = "Testing" }));
        Assert.Equal(api.DropDirectory, EmailSetup.DropDirectory(api.DropDirectory, Development));
    }

    private static Environment Development => new() { EnvironmentName = Environments.Development };

    private static string NewAddress() => $"user-{Guid.NewGuid():N}@example.com";

    private static string NewToken() => Convert.ToHexString(Guid.NewGuid().ToByteArray());

    [GeneratedRegex(@"^\d{8}-\d{6}-\d{3}-password-reset-[0-9a-f]{32}\.eml$")]
    private static partial Regex FileName();

    private sealed class Environment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "";

        public string ApplicationName { get; set; } = "Nexus.Api";

        public string ContentRootPath { get; set; } = "";

        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = null!;
    }
}
