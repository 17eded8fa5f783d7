using Marten;
using Nexus.Api.Features.Accounts;
using Nexus.Api.Features.Accounts.SigningUp;
using Nexus.Api.Features.Workspaces.CreatingWorkspace;
using Nexus.Api.GraphQL;
using Wolverine;

namespace Nexus.Api.Infrastructure;

/// <summary>
/// With <c>Nexus:Demo:Seed</c> (on in Development): a demo user who owns a demo workspace, made through the same
/// commands sign-up and <c>createWorkspace</c> use, once; the credentials are logged so a newcomer can sign in at once.
/// </summary>
public sealed class DemoData(IServiceProvider services, IHostApplicationLifetime lifetime, IConfiguration configuration, StartupWork startup, ILogger<DemoData> logger)
    : IHostedService
{
    public const string Email = "demo@example.com";
    public const string Password = "nexus-demo-passphrase";
    public const string WorkspaceName = "Demo workspace";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (configuration.GetValue<bool>("Nexus:Demo:Seed"))
        {
            // After start-up, when Wolverine and the database schema are ready; the node is not ready until it is done.
            var pending = startup.Begin("demo seed");
            lifetime.ApplicationStarted.Register(() => _ = SeedAsync(pending, lifetime.ApplicationStopping));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    internal async Task SeedAsync(IDisposable pending, CancellationToken ct)
    {
        using var _ = pending;
        try
        {
            await using var scope = services.CreateAsyncScope();
            var session = scope.ServiceProvider.GetRequiredService<IQuerySession>();
            var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
            var user = await session.Query<User>().FirstOrDefaultAsync(u => u.Email == Email, ct);
            if (user is not null)
            {
                // Someone may have changed its password since; only the seed's own password is worth printing.
                logger.DemoAccountExists(Email);
                return;
            }

            var signedUp = await bus.InvokeAsync<Outcome<Guid, EmailTakenError>>(new SignUp(Email, Password, "Demo User"), ct);
            await bus.InvokeAsync<Outcome<Guid, NoError>>(new CreateWorkspace(signedUp.Value, WorkspaceName, "Europe/Berlin"), ct);
            logger.DemoAccountReady(Email, Password, WorkspaceName);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Could not seed the demo account");
        }
    }
}

internal static partial class DemoDataLog
{
    [LoggerMessage(Level = LogLevel.Information,
        Message = "Demo account: {Email} / {Password} (owner of \"{Workspace}\"). Sign in at /account/login or with the nexus-cli password grant.")]
    public static partial void DemoAccountReady(this ILogger logger, string email, string password, string workspace);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Demo account {Email} exists already (seeded in an earlier run with password nexus-demo-passphrase unless changed since).")]
    public static partial void DemoAccountExists(this ILogger logger, string email);
}
