using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Nexus.Api.Infrastructure.Identity;

/// <summary>
/// At start-up, before requests: migrates the <c>identity</c> schema, loads (or creates) the shared Data Protection key
/// ring and makes the registered OAuth clients match configuration (created when missing, updated when their settings
/// changed).
/// </summary>
public sealed class IdentityBootstrap(IServiceProvider services, IOptions<AuthOptions> options, ILogger<IdentityBootstrap> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IdentityStore>();
        await store.Database.MigrateAsync(cancellationToken);
        await SharedKeys.EnsureKeyRingAsync(scope.ServiceProvider, cancellationToken);

        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var clients = Clients(options.Value);
        foreach (var client in clients)
        {
            // Nodes starting together race to create or update the same client: the loser reads the winner's row
            // and applies the same settings again, rather than failing its start-up.
            for (var attempt = 1; ; attempt++)
            {
                // A fresh scope per attempt: its context and OpenIddict's entity cache hold nothing stale.
                await using var attemptScope = attempt == 1 ? (AsyncServiceScope?)null : services.CreateAsyncScope();
                var manager = attemptScope?.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>() ?? applications;
                try
                {
                    var existing = await manager.FindByClientIdAsync(client.ClientId!, cancellationToken);
                    if (existing is null)
                    {
                        await manager.CreateAsync(client, cancellationToken);
                    }
                    else
                    {
                        await manager.UpdateAsync(existing, client, cancellationToken);
                    }

                    break;
                }
                catch (Exception ex) when (attempt < 5 && (ex is OpenIddictExceptions.ConcurrencyException || Persistence.IsUniqueViolation(ex)))
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken);
                }
            }
        }

        logger.LogInformation("Identity store migrated; OAuth clients registered");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    internal static List<OpenIddictApplicationDescriptor> Clients(AuthOptions options)
    {
        var cli = new OpenIddictApplicationDescriptor
        {
            ClientId = AuthOptions.CliClientId,
            ClientType = ClientTypes.Public,
            ConsentType = ConsentTypes.Implicit,
            DisplayName = "Nexus CLI and scripts",
            Permissions =
            {
                Permissions.Endpoints.Token, Permissions.Endpoints.Revocation,
                Permissions.GrantTypes.Password, Permissions.GrantTypes.RefreshToken,
                Permissions.Scopes.Email, Permissions.Scopes.Profile, Permissions.Prefixes.Scope + AuthOptions.ApiScope,
            },
        };

        var web = new OpenIddictApplicationDescriptor
        {
            ClientId = AuthOptions.WebClientId,
            ClientType = ClientTypes.Public,
            ConsentType = ConsentTypes.Implicit,
            DisplayName = "Nexus web app",
            Permissions =
            {
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.Revocation,
                Permissions.Endpoints.EndSession,
                Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken,
                Permissions.ResponseTypes.Code,
                Permissions.Scopes.Email, Permissions.Scopes.Profile, Permissions.Prefixes.Scope + AuthOptions.ApiScope,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        foreach (var uri in options.WebRedirectUris)
        {
            web.RedirectUris.Add(new Uri(uri));
        }

        foreach (var uri in options.WebPostLogoutRedirectUris)
        {
            web.PostLogoutRedirectUris.Add(new Uri(uri));
        }

        var clients = new List<OpenIddictApplicationDescriptor> { cli, web };
        foreach (var (clientId, secret) in options.ServiceClients)
        {
            clients.Add(new OpenIddictApplicationDescriptor
            {
                ClientId = clientId,
                ClientSecret = secret,
                ClientType = ClientTypes.Confidential,
                DisplayName = clientId,
                Permissions =
                {
                    Permissions.Endpoints.Token, Permissions.Endpoints.Introspection, Permissions.Endpoints.Revocation,
                    Permissions.GrantTypes.ClientCredentials, Permissions.Prefixes.Scope + AuthOptions.ApiScope,
                },
            });
        }

        return clients;
    }
}
