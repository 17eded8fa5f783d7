using GraphQL;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Apps.RegisteringApp;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure;
using OpenIddict.Abstractions;

namespace Nexus.Api.Features.Apps.RotatingSecret;

/// <summary>
/// Replaces a confidential app's client secret: the old one stops working at once, and so do the access tokens the app
/// obtained for itself (client credentials) with it. Tokens people granted it are not touched.
/// </summary>
public sealed record RotateAppSecret(Guid AppId, Guid ByUserId);

/// <summary>The app is public: it has no secret to rotate.</summary>
public sealed record PublicAppError()
    : MutationError("NOT_CONFIDENTIAL", "This app is public (PKCE only) and has no client secret.", ["input", "appId"]);

public static class RotateAppSecretHandler
{
    // OpenIddict's row changes first: a crash before the event commits leaves a secret nobody was given, which fails
    // closed (rotate again), never an old secret that still works.
    public static async Task<Outcome<RegisteredApp, AppNotFoundError, PublicAppError>> HandleAsync(RotateAppSecret command, IDocumentSession session,
        IOpenIddictApplicationManager applications, IOpenIddictTokenManager tokens, DateTimeOffset now, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<App>(command.AppId, ct);
        if (stream.Aggregate is not { Deleted: false } app || await applications.FindByClientIdAsync(app.ClientId, ct) is not { } application)
        {
            return new AppNotFoundError();
        }

        if (!app.Confidential)
        {
            return new PublicAppError();
        }

        var secret = SecretTokens.New();
        // This overload hashes the secret before storing it.
        await applications.UpdateAsync(application, secret, ct);
        var own = new List<object>();
        await foreach (var token in tokens.FindByApplicationIdAsync((await applications.GetIdAsync(application, ct))!, ct))
        {
            if (await tokens.GetSubjectAsync(token, ct) == app.ClientId)
            {
                own.Add(token);
            }
        }

        foreach (var token in own)
        {
            await tokens.TryRevokeAsync(token, ct);
        }

        stream.AppendOne(new AppSecretRotated(app.Id, command.ByUserId, now));
        return new RegisteredApp(app.Id, secret);
    }
}

public sealed record RotateAppSecretInput([property: Id] string AppId);

public sealed class RotateAppSecretMutation() : Mutation<RotateAppSecretInput, RotateAppSecret, RegisteredApp>("rotateAppSecret",
    "Gives a confidential app a new client secret, shown in this answer only; the old secret and the app's own tokens stop working at once.",
    WorkspaceAccess.Needs<RotateAppSecretInput>(Role.Admin, (context, input) => WorkspaceApps.WorkspaceOfAsync(context, input.AppId)).FirstPartyOnly(),
    AppPayloads.App<RegisteredApp>(r => r.AppId).And<StringGraphType>("clientSecret", "The new client secret, shown this once (null after errors).", r => r.ClientSecret),
    (input, caller) => new(GlobalId.TryParse(input.AppId, AppType.TypeName, out var id) ? id : Guid.Empty, caller.UserId));
