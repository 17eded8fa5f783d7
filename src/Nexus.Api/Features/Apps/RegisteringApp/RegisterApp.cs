using System.ComponentModel;
using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure;
using OpenIddict.Abstractions;
using Wolverine.Marten;

namespace Nexus.Api.Features.Apps.RegisteringApp;

/// <summary>Registers an OAuth app for a workspace; a confidential app gets a secret, shown once.</summary>
public sealed record RegisterApp(Guid WorkspaceId, Guid ByUserId, string Name, IReadOnlyList<string> RedirectUris, IReadOnlyList<string> Scopes, bool Confidential)
{
    public sealed class Validator : AbstractValidator<RegisterApp>
    {
        public Validator(IHostEnvironment environment)
        {
            RuleFor(c => c.Name).ValidAppName();
            RuleFor(c => c.RedirectUris).ValidRedirectUris(environment.IsDevelopment());
            RuleFor(c => c.Scopes).ValidAppScopes();
        }
    }
}

/// <summary>The new app, and its secret when it is confidential: the only moment the secret is readable.</summary>
public sealed record RegisteredApp(Guid AppId, string? ClientSecret);

public static class RegisterAppHandler
{
    // The OpenIddict row is written first and the stream commits after the handler: a crash in between leaves a client
    // nobody was told about, which every OAuth path refuses because its App stream does not exist.
    public static async Task<(Outcome<RegisteredApp, NoError>, IStartStream)> HandleAsync(RegisterApp command, IOpenIddictApplicationManager applications,
        DateTimeOffset now, CancellationToken ct)
    {
        var id = Guid.CreateVersion7(now);
        var clientId = AppClients.NewClientId();
        var secret = command.Confidential ? SecretTokens.New() : null;
        var name = command.Name.Trim();
        await applications.CreateAsync(AppClients.Descriptor(id, command.WorkspaceId, clientId, secret, name, command.RedirectUris, command.Scopes), ct);
        return (new RegisteredApp(id, secret), MartenOps.StartStream<App>(id,
            new AppRegistered(id, command.WorkspaceId, name, clientId, command.RedirectUris, command.Scopes, command.Confidential, command.ByUserId, now)));
    }
}

public sealed record RegisterAppInput(
    [property: Id] string WorkspaceId,
    [property: DescribedAs("1 to {0} characters; shown to people on the consent page.", AppClients.MaxNameLength)] string Name,
    [property: DescribedAs("Where the app receives authorization codes, matched exactly: 1 to {0} absolute https URIs without a fragment " +
        "(http only to 127.0.0.1 or [::1], with the port, for native apps; any http in Development).", AppClients.MaxRedirectUris)]
    IReadOnlyList<string> RedirectUris,
    [property: Description("What the app may ask for: app scopes (posts:read posts:write media:write analytics:read connections:read webhooks:manage events:read) and openid profile offline_access.")]
    IReadOnlyList<string> Scopes,
    [property: Description("True for an app that can keep a secret (a server): it gets a client secret and may use client credentials. False for a browser or native app (PKCE only).")]
    bool Confidential) : IWorkspaceInput;

public sealed class RegisterAppMutation() : Mutation<RegisterAppInput, RegisterApp, RegisteredApp>("registerApp",
    "Registers an OAuth app for the workspace. The client secret (confidential apps) is in this answer only; Nexus keeps only its hash.",
    WorkspaceAccess.Needs(Role.Admin).FirstPartyOnly(),
    AppPayloads.App<RegisteredApp>(r => r.AppId).And<StringGraphType>("clientSecret",
        "The confidential app's client secret, shown this once (null for a public app and after errors).", r => r.ClientSecret),
    (input, caller) => new(caller.WorkspaceId(), caller.UserId, input.Name, input.RedirectUris, input.Scopes, input.Confidential));
