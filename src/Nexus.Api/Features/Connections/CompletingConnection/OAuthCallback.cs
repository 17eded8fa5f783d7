using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Connections.StartingConnection;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.TokenVault;
using Nexus.Api.Platforms;
using Wolverine;

namespace Nexus.Api.Features.Connections.CompletingConnection;

/// <summary>
/// What the platform sent back to <c>/oauth/callback/{platform}</c>, and the binding secret the browser showed in the
/// attempt's cookie (see <see cref="ConsentBinding"/>).
/// </summary>
public sealed record CompleteConnection(PlatformId Platform, string? State, string? Code, string? Error, string? ErrorDescription, string? Binding = null)
{
    public override string ToString() => $"CompleteConnection {{ Platform = {Platform} }}";
}

/// <summary>How a consent ended, as the frontend is told in the redirect's query string.</summary>
public sealed record ConnectionOutcome(string Outcome, IReadOnlyList<Guid> Connections, Guid? ChoiceId, string? Reason);

// It waits on the platform (code exchange, refresh, revocation): no transaction is held open across that call.
[OutsideTheTransaction]
public static class CompleteConnectionHandler
{
    public static readonly TimeSpan ChoiceLifetime = TimeSpan.FromMinutes(10);

    public static async Task<(ConnectionOutcome, OutgoingMessages)> Handle(CompleteConnection command, IDocumentSession session, ConnectionState state,
        TokenVault vault, PlatformClients platforms, IOptions<NexusUrls> urls, IOptions<Billing.BillingOptions> billing, ILogger<CompleteConnection> logger, DateTimeOffset now, CancellationToken ct)
    {
        var messages = new OutgoingMessages();
        if (!state.TryUnprotect(command.State, out var attemptId) ||
            await session.LoadAsync<ConnectionAttempt>(attemptId, ct) is not { } attempt || attempt.Platform != command.Platform || attempt.ExpiresAt <= now)
        {
            return (Failed("invalid_state", "This consent link is invalid or has expired; start connecting again."), messages);
        }

        // Another browser than the one that began the attempt (someone handed the consent page, a link opened
        // elsewhere): nothing is exchanged, and the attempt stays for its own browser to finish.
        if (attempt.BindingHash is not { } binding || !ConsentBinding.Matches(binding, command.Binding))
        {
            return (Failed("browser_mismatch", "This consent was not started in this browser; start connecting again from Nexus in the browser you use it in."), messages);
        }

        // Single use, whatever happens next.
        session.Delete(attempt);
        if (command.Error is not null)
        {
            var outcome = command.Error == "access_denied"
                ? new ConnectionOutcome("denied", [], null, "You declined the permissions on the platform's consent page; nothing was connected.")
                : Failed(command.Error, command.ErrorDescription ?? $"{command.Platform} reported '{command.Error}'.");
            return (outcome, messages);
        }

        if (string.IsNullOrEmpty(command.Code) || platforms.OAuth(command.Platform) is not { } client)
        {
            return (Failed("invalid_request", "The platform sent no authorization code."), messages);
        }

        try
        {
            var verifier = attempt.CodeVerifier is null ? null : vault.Open<string>(attempt.Id, attempt.CodeVerifier);
            var tokens = await client.ExchangeCodeAsync(command.Code, RedirectUris.For(command.Platform, urls.Value), verifier, ct);
            var accounts = await client.GetAccountsAsync(tokens, ct);

            // The person who started must still be an ADMIN, checked in this write (not in the read model): a removal or
            // demotion racing this consent either commits first and is seen here, or waits until this commits.
            if (!await WorkspaceAdmins.StillAdminAsync(session, attempt.WorkspaceId, attempt.UserId, ct))
            {
                return (Forbidden(), messages);
            }

            switch (accounts.Count)
            {
                case 0:
                    return (Failed("no_accounts", $"The {command.Platform} grant covers no account Nexus can publish to."), messages);
                case 1:
                    if (await AccountConnector.RefusesAsync(session, billing.Value, attempt.WorkspaceId, command.Platform, accounts, now, null, ct) is { } full)
                    {
                        return (Failed(Billing.PlanLimitError.ErrorCode.ToLowerInvariant(), full.Message), messages);
                    }

                    var connected = await AccountConnector.ConnectAsync(session, vault, attempt.WorkspaceId, attempt.UserId, command.Platform, tokens, accounts, messages, now, ct);
                    return (new ConnectionOutcome("connected", connected, null, null), messages);
                default:
                    var choiceId = Guid.CreateVersion7(now);
                    session.Store(new AccountChoice(choiceId, attempt.WorkspaceId, attempt.UserId, command.Platform,
                        [.. accounts.Select(a => new ChoosableAccount(a.ExternalId, a.Name, a.Handle, a.AvatarUrl, a.Kind))],
                        vault.Seal(choiceId, new ChoiceSecrets(tokens, accounts)), now + ChoiceLifetime));
                    return (new ConnectionOutcome("choose", [], choiceId, null), messages);
            }
        }
        catch (PlatformException ex)
        {
            logger.LogWarning("Completing a {Platform} connection failed ({Kind}, {Code})", command.Platform, ex.Kind, ex.PlatformCode);
            return (Failed("platform_error", $"{command.Platform} refused: {ex.Message}"), messages);
        }
    }

    private static ConnectionOutcome Failed(string code, string reason) => new("error", [], null, $"{code}: {reason}");

    private static ConnectionOutcome Forbidden() =>
        new("forbidden", [], null, "Only an ADMIN of the workspace can connect accounts, and the person who started connecting no longer is; nothing was connected.");
}

public static class OAuthCallbackEndpoint
{
    /// <summary>
    /// Where a platform sends the browser after consent; answers with a redirect to the frontend. Also maps the begin
    /// link that leads there (<see cref="BeginConsentEndpoint"/>).
    /// </summary>
    public static IEndpointRouteBuilder MapOAuthCallback(this IEndpointRouteBuilder app)
    {
        app.MapBeginConsent();
        app.MapGet("/oauth/callback/{platform}", async (string platform, HttpContext http, IMessageBus bus, IOptions<NexusUrls> urls, ConnectionState state) =>
        {
            var query = http.Request.Query;
            var frontend = urls.Value.FrontendUrl.TrimEnd('/') + "/connections/callback";
            if (!Enum.TryParse<PlatformId>(platform, ignoreCase: true, out var id) || !Enum.IsDefined(id))
            {
                return Results.Redirect(frontend + QueryString.Create("outcome", "error").Add("reason", "unknown platform"));
            }

            string? binding = null;
            if (state.TryUnprotect(query["state"], out var attemptId))
            {
                var cookie = ConsentBinding.CookieName(attemptId);
                binding = http.Request.Cookies[cookie];
                http.Response.Cookies.Delete(cookie, ConsentBinding.CookieOptions(id, urls.Value));
            }

            var outcome = await bus.InvokeAsync<ConnectionOutcome>(new CompleteConnection(id, query["state"], query["code"], query["error"], query["error_description"], binding), http.RequestAborted);
            var redirect = QueryString.Create("outcome", outcome.Outcome).Add("platform", platform.ToLowerInvariant());
            redirect = outcome.Connections.Count > 0 ? redirect.Add("connections", string.Join(',', outcome.Connections.Select(c => GraphQL.Relay.GlobalId.Encode(ConnectionType.TypeName, c)))) : redirect;
            redirect = outcome.ChoiceId is { } choice ? redirect.Add("choice", GraphQL.Relay.GlobalId.Encode(AccountChoiceType.TypeName, choice)) : redirect;
            redirect = outcome.Reason is { } reason ? redirect.Add("reason", reason) : redirect;
            return Results.Redirect(frontend + redirect);
        });
        return app;
    }
}
