using MimeKit;

namespace Nexus.Api.Infrastructure.Email;

/// <summary>Registers the product's one email sender: SMTP when <c>Nexus:Smtp:Host</c> is set, else the mail drop.</summary>
public static class EmailSetup
{
    public static IServiceCollection AddNexusEmail(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SmtpOptions>()
            .Bind(configuration.GetSection(SmtpOptions.Section))
            .Validate(o => MailboxAddress.TryParse(o.From, out _), $"{SmtpOptions.Section}:From must be an address like 'Nexus <no-reply@example.com>'.")
            .ValidateOnStart();

        if (!string.IsNullOrWhiteSpace(configuration[$"{SmtpOptions.Section}:{nameof(SmtpOptions.Host)}"]))
        {
            services.AddOptions<SmtpOptions>()
                .Validate(o => o.Port is > 0 and <= 65535, $"{SmtpOptions.Section}:Port must be a TCP port.")
                .Validate(o => o.Timeout > TimeSpan.Zero, $"{SmtpOptions.Section}:Timeout must be positive.");
            services.AddSingleton<IEmailSender, SmtpEmailSender>();
            return services;
        }

        var email = configuration.GetSection(EmailOptions.Section).Get<EmailOptions>() ?? new EmailOptions();
        services.AddSingleton(sp => new MailDrop(DropDirectory(email.DropDirectory, sp.GetRequiredService<IHostEnvironment>())));
        services.AddSingleton<IEmailSender, MailDropEmailSender>();
        services.AddHostedService<MailDropAnnouncement>();
        return services;
    }

    /// <summary>
    /// The absolute drop folder. A relative path is resolved against the working directory, except in Development
    /// inside a checkout, where it is resolved against the repository root (the folder holding <c>Nexus.sln</c>):
    /// <c>dotnet run</c> starts a web project in its own folder, and the drop belongs next to <c>.data/pg</c>.
    /// </summary>
    internal static string DropDirectory(string configured, IHostEnvironment environment) =>
        environment.IsDevelopment() ? RepositoryPaths.Resolve(configured) : Path.GetFullPath(configured);
}

/// <summary>Says at start-up where email is going when it is not being delivered.</summary>
internal sealed class MailDropAnnouncement(MailDrop drop, IHostEnvironment environment, ILogger<MailDrop> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (environment.IsDevelopment())
        {
            logger.MailDropInUse(drop.DirectoryPath);
        }
        else
        {
            logger.MailDropInsteadOfSmtp(drop.DirectoryPath);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
