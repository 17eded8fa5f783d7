using System.Collections.Immutable;
using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Nexus.Api.Features.Accounts;
using Nexus.Api.Features.Accounts.SigningIn;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Infrastructure.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Nexus.Api.Features.Apps.Consenting;

/// <summary>
/// The authorize endpoint's part for third-party apps: the person chooses one of their workspaces and allows the scopes
/// the app asks for. The grant is a permanent OpenIddict authorization holding the workspace, so a later request of the
/// same app for scopes already granted is answered without asking again (unless <c>prompt=consent</c>), and revoking it
/// revokes every token issued under it.
/// </summary>
public static class AppConsent
{
    private const string DecisionField = "consent";
    private const string WorkspaceField = "workspace";
    private static readonly string ServerScheme = OpenIddictServerAspNetCoreDefaults.AuthenticationScheme;

    /// <summary>A remembered grant: the authorization, the workspace it reaches, its scopes and when it was given.</summary>
    public sealed record Grant(object Authorization, string Id, Guid WorkspaceId, ImmutableArray<string> Scopes, DateTimeOffset? GrantedAt);

    /// <summary>The answer for an app's authorization request, or null when the client is one of Nexus's own (no consent).</summary>
    public static async Task<IResult?> AuthorizeAsync(HttpContext http, OpenIddictRequest request, User user, IQuerySession session,
        IOpenIddictApplicationManager applications, IOpenIddictAuthorizationManager authorizations)
    {
        var ct = http.RequestAborted;
        var application = await applications.FindByClientIdAsync(request.ClientId!, ct) ?? throw new InvalidOperationException($"Unknown client {request.ClientId}.");
        if (await AppClients.AppOfAsync(applications, application, ct) is not { } owner)
        {
            return null;
        }

        if (await session.LoadAsync<App>(owner.AppId, ct) is not { Deleted: false } app)
        {
            return Refuse(Errors.UnauthorizedClient, "This app is not registered.");
        }

        var requested = request.GetScopes();
        if (requested.FirstOrDefault(scope => !app.Scopes.Contains(scope)) is { } unregistered)
        {
            return Refuse(Errors.InvalidScope, $"The app is not registered for the scope `{unregistered}`.");
        }

        var applicationId = (await applications.GetIdAsync(application, ct))!;
        var workspaces = await MyWorkspaces.ForAsync(user.Id, session, ct);
        var grants = (await GrantsAsync(authorizations, user.Id, applicationId, ct)).Where(g => workspaces.Any(w => w.Id == g.WorkspaceId)).ToList();

        var decision = HttpMethods.IsPost(http.Request.Method) ? request.GetParameter(DecisionField)?.ToString() : null;
        if (decision is null)
        {
            var remembered = grants.Where(g => requested.All(g.Scopes.Contains)).ToList();
            if (!request.HasPromptValue(PromptValues.Consent) && remembered.Select(g => g.WorkspaceId).Distinct().Count() == 1)
            {
                return Issue(user, request, app, remembered[0].WorkspaceId, remembered[0].Id);
            }

            if (request.HasPromptValue(PromptValues.None))
            {
                return Refuse(Errors.ConsentRequired, "The person has not allowed this app yet.");
            }

            return Page(http, request, app, workspaces, grants, message: null, workspaces.Count == 0 ? StatusCodes.Status403Forbidden : StatusCodes.Status200OK);
        }

        if (!await http.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(http))
        {
            return Page(http, request, app, workspaces, grants, "Your session expired. Please try again.", StatusCodes.Status400BadRequest);
        }

        if (decision != "allow")
        {
            return Refuse(Errors.AccessDenied, "The person did not allow the app.");
        }

        var chosen = GlobalId.TryParse(request.GetParameter(WorkspaceField)?.ToString(), WorkspaceType.TypeName, out var id)
            ? workspaces.FirstOrDefault(w => w.Id == id)
            : null;
        if (chosen is null)
        {
            return Page(http, request, app, workspaces, grants, "Choose one of your workspaces.", StatusCodes.Status400BadRequest);
        }

        // One grant per app and workspace: asking for more widens it, and its tokens stay one family to revoke.
        var grant = grants.FirstOrDefault(g => g.WorkspaceId == chosen.Id);
        string grantId;
        if (grant is null)
        {
            var descriptor = new OpenIddictAuthorizationDescriptor
            {
                ApplicationId = applicationId,
                CreationDate = DateTimeOffset.UtcNow,
                Status = Statuses.Valid,
                Subject = user.Id.ToString(),
                Type = AuthorizationTypes.Permanent,
                Properties = { [AppClaims.WorkspaceProperty] = JsonSerializer.SerializeToElement(chosen.Id.ToString("N")) },
            };
            descriptor.Scopes.UnionWith(requested);
            grantId = (await authorizations.GetIdAsync(await authorizations.CreateAsync(descriptor, ct), ct))!;
        }
        else
        {
            if (!requested.All(grant.Scopes.Contains))
            {
                var descriptor = new OpenIddictAuthorizationDescriptor();
                await authorizations.PopulateAsync(descriptor, grant.Authorization, ct);
                descriptor.Scopes.UnionWith(requested);
                await authorizations.UpdateAsync(grant.Authorization, descriptor, ct);
            }

            grantId = grant.Id;
        }

        return Issue(user, request, app, chosen.Id, grantId);
    }

    /// <summary>The valid permanent grants <paramref name="userId"/> gave apps (one app's with <paramref name="applicationId"/>).</summary>
    public static async Task<IReadOnlyList<Grant>> GrantsAsync(IOpenIddictAuthorizationManager authorizations, Guid userId, string? applicationId, CancellationToken ct)
    {
        var grants = new List<Grant>();
        await foreach (var authorization in authorizations.FindAsync(userId.ToString(), applicationId, Statuses.Valid, AuthorizationTypes.Permanent, scopes: null, ct))
        {
            var properties = await authorizations.GetPropertiesAsync(authorization, ct);
            if (properties.TryGetValue(AppClaims.WorkspaceProperty, out var workspace) && Guid.TryParseExact(workspace.GetString(), "N", out var workspaceId))
            {
                grants.Add(new Grant(authorization, (await authorizations.GetIdAsync(authorization, ct))!, workspaceId,
                    await authorizations.GetScopesAsync(authorization, ct), await authorizations.GetCreationDateAsync(authorization, ct)));
            }
        }

        return grants;
    }

    private static IResult Issue(User user, OpenIddictRequest request, App app, Guid workspaceId, string grantId)
    {
        var principal = AppPrincipal.Create(user.Id.ToString(), request.ClientId!, app.Id, workspaceId, request.GetScopes(), app.Scopes);
        principal.SetAuthorizationId(grantId);
        return Results.SignIn(principal, authenticationScheme: ServerScheme);
    }

    // A GET only shows the choice: any site can send a browser here. Allowing is a POST of the same request (OpenIddict
    // validates it again) with an antiforgery token, the workspace and the decision.
    private static IResult Page(HttpContext http, OpenIddictRequest request, App app, IReadOnlyList<Workspace> workspaces, IReadOnlyList<Grant> grants,
        string? message, int status)
    {
        var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        var fields = request.GetParameters()
            .Where(p => p.Key != tokens.FormFieldName && p.Key is not (DecisionField or WorkspaceField or Parameters.Prompt))
            .Select(p => $"""  <input type="hidden" name="{LoginPage.Encode(p.Key)}" value="{LoginPage.Encode(p.Value.ToString())}">""");
        var error = message is null ? "" : $"""<p class="error" role="alert">{LoginPage.Encode(message)}</p>""";
        var scopes = request.GetScopes().Where(AppScope.IsKnown)
            .Select(scope => $"""<li>{LoginPage.Encode(AppScope.Catalogue[scope])}</li>""");
        var identity = request.GetScopes().Any(scope => scope is Scopes.OpenId or Scopes.Profile) ? "<li>Know who you are (your name)</li>" : "";
        var offline = request.HasScope(Scopes.OfflineAccess) ? "<li>Keep this access until you revoke it, even when you are not using Nexus</li>" : "";
        var previous = grants.Select(g => g.WorkspaceId).ToHashSet();
        var choices = workspaces.Select((w, i) =>
            $"""<label class="choice"><input type="radio" style="width:auto" name="{WorkspaceField}" value="{LoginPage.Encode(GlobalId.Encode(WorkspaceType.TypeName, w.Id))}"{(i == 0 ? " required" : "")}{(previous.Contains(w.Id) ? " checked" : "")}> {LoginPage.Encode(w.Name)}</label>""");
        var redirect = Uri.TryCreate(request.RedirectUri, UriKind.Absolute, out var back) ? back : null;
        var body = workspaces.Count == 0
            ? $"""
              <h1>{LoginPage.Encode(app.Name)} wants to use Nexus</h1>
              <p class="error" role="alert">You are not a member of any workspace, so there is nothing to allow it to reach.</p>
              """
            : $"""
              <h1>Allow {LoginPage.Encode(app.Name)}?</h1>
              {error}
              <p><strong>{LoginPage.Encode(app.Name)}</strong> (not made by Nexus) asks to act for you in one workspace, with your role there. It will be able to:</p>
              <ul>
              {string.Concat(scopes)}{identity}{offline}
              </ul>
              <form method="post" action="/connect/authorize">
                <input type="hidden" name="{LoginPage.Encode(tokens.FormFieldName)}" value="{LoginPage.Encode(tokens.RequestToken)}">
              {string.Join("\n", fields)}
                <fieldset><legend>Which workspace?</legend>
                {string.Join("\n", choices)}
                </fieldset>
                <button type="submit" name="{DecisionField}" value="allow">Allow</button>
                <button type="submit" name="{DecisionField}" value="deny" class="secondary" formnovalidate>Deny</button>
              </form>
              <p>You will go back to {LoginPage.Encode(redirect?.Host ?? "the app")}. You can revoke this access at any time.</p>
              """;
        // OpenIddict has checked the redirect URI against the app's registered ones before this runs.
        return LoginPage.Html(http, body, status, redirect?.GetLeftPart(UriPartial.Authority));
    }

    private static IResult Refuse(string error, string description) =>
        Results.Forbid(
            new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
            }),
            [ServerScheme]);
}
