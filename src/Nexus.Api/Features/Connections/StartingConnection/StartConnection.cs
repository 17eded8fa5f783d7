using GraphQL;
using GraphQL.Types;
using Microsoft.Extensions.Options;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.TokenVault;
using Nexus.Api.Platforms;
using Wolverine.Marten;

namespace Nexus.Api.Features.Connections.StartingConnection;

/// <summary>
/// Starts connecting an account: a single-use attempt bound to the user and workspace, the platform's consent URL
/// carrying its signed <c>state</c> (and PKCE challenge where the platform supports it; the verifier stays
/// server-side, sealed), and the begin link that the caller's browser must follow first (see
/// <see cref="BeginConsent"/>): the answer is that link, not the consent URL.
/// </summary>
public sealed record StartConnection(Guid WorkspaceId, Guid UserId, PlatformId Platform);

/// <summary>Nexus has no app credentials (or no client) for the platform yet.</summary>
public sealed record PlatformNotConfiguredError()
    : MutationError("PLATFORM_NOT_CONFIGURED", "This Nexus is not set up to connect that platform yet; an operator must add its app credentials.", ["input", "platform"]);

public static class StartConnectionHandler
{
    public static (Outcome<Uri, PlatformNotConfiguredError>, IMartenOp) Handle(StartConnection command, PlatformClients platforms, IConfiguration configuration,
        ConnectionState state, TokenVault vault, IOptions<NexusUrls> urls, DateTimeOffset now)
    {
        if (!PlatformCatalogue.IsConfigured(command.Platform, configuration) || platforms.OAuth(command.Platform) is not { } client)
        {
            return (new PlatformNotConfiguredError(), MartenOps.Nothing());
        }

        var attemptId = Guid.CreateVersion7(now);
        var request = client.BuildAuthorizationRequest(state.Protect(attemptId), RedirectUris.For(command.Platform, urls.Value));
        var key = SecretTokens.New();
        var attempt = new ConnectionAttempt(attemptId, command.WorkspaceId, command.UserId, command.Platform,
            request.CodeVerifier is null ? null : vault.Seal(attemptId, request.CodeVerifier), now + ConnectionState.Lifetime,
            request.Url.AbsoluteUri, SecretTokens.Hash(key));
        var begin = new Uri($"{urls.Value.PublicUrl.TrimEnd('/')}/oauth/begin/{attemptId:N}" + QueryString.Create("key", key));
        return (begin, MartenOps.Insert(attempt));
    }
}

public sealed record StartConnectionInput([property: Id] string WorkspaceId, PlatformId Platform) : IWorkspaceInput;

public sealed class StartConnectionMutation() : Mutation<StartConnectionInput, StartConnection, Uri>("startConnection",
    "Starts connecting a social account: send the browser to `authorizationUrl` (valid 10 minutes, single use). It is a Nexus link that ties the attempt to the browser that opens it, then leads to the platform's consent page; only that browser can finish the connection.",
    WorkspaceAccess.Needs(Role.Admin).FirstPartyOnly(),
    Payload<Uri>.Of<StringGraphType>("authorizationUrl",
        "Where to send this user's browser: a single-use Nexus link (valid 10 minutes) that leads on to the platform's consent page.",
        (_, url) => Task.FromResult<object?>(url.AbsoluteUri)),
    (input, caller) => new(caller.WorkspaceId(), caller.UserId, input.Platform));
