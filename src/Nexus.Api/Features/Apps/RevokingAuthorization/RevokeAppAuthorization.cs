using GraphQL;
using Marten;
using Nexus.Api.Features.Apps.Consenting;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Relay;
using OpenIddict.Abstractions;

namespace Nexus.Api.Features.Apps.RevokingAuthorization;

/// <summary>
/// Takes back a grant the caller gave an app for a workspace: the authorization and every token issued under it stop
/// working at once, on every node (the revocation feed, see <c>RevokedTokens</c>); the next request asks again.
/// </summary>
public sealed record RevokeAppAuthorization(Guid UserId, Guid AppId, Guid WorkspaceId);

/// <summary>The caller has no grant for this app and workspace.</summary>
public sealed record AppAuthorizationNotFoundError()
    : MutationError("NOT_FOUND", "You have not allowed this app in this workspace.", ["input"]);

public static class RevokeAppAuthorizationHandler
{
    public static async Task<Outcome<Guid, AppAuthorizationNotFoundError>> HandleAsync(RevokeAppAuthorization command, IDocumentSession session,
        IOpenIddictApplicationManager applications, IOpenIddictAuthorizationManager authorizations, IOpenIddictTokenManager tokens, CancellationToken ct)
    {
        if (await session.LoadAsync<App>(command.AppId, ct) is not { } app || await applications.FindByClientIdAsync(app.ClientId, ct) is not { } application)
        {
            return new AppAuthorizationNotFoundError();
        }

        var grants = (await AppConsent.GrantsAsync(authorizations, command.UserId, await applications.GetIdAsync(application, ct), ct))
            .Where(g => g.WorkspaceId == command.WorkspaceId).ToList();
        if (grants.Count == 0)
        {
            return new AppAuthorizationNotFoundError();
        }

        foreach (var grant in grants)
        {
            // The authorization first: every access token names it, so this alone refuses them all at once.
            await authorizations.TryRevokeAsync(grant.Authorization, ct);
            await tokens.RevokeByAuthorizationIdAsync(grant.Id, ct);
        }

        return app.Id;
    }
}

public sealed record RevokeAppAuthorizationInput([property: Id] string AppId, [property: Id] string WorkspaceId);

public sealed class RevokeAppAuthorizationMutation() : Mutation<RevokeAppAuthorizationInput, RevokeAppAuthorization, Guid>("revokeAppAuthorization",
    "Takes back what the caller allowed an app in a workspace: its tokens stop working at once, and it must ask again.",
    Access.SignedIn.FirstPartyOnly(), Payload<Guid>.Done,
    (input, caller) => new(caller.UserId,
        GlobalId.TryParse(input.AppId, AppType.TypeName, out var app) ? app : throw new BadRequestError("The app id is not valid."),
        WorkspaceAccess.ParseWorkspaceId(input.WorkspaceId)));
