using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using FluentValidation;
using Nexus.Api.Infrastructure.Identity;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Nexus.Api.Features.Apps;

/// <summary>
/// An app's OpenIddict application: its client id, what it may do at the OAuth endpoints, and the properties that bind
/// it to its workspace. The app's stream is the record that it exists: the OAuth paths that could give an app access
/// (consent, client credentials) also load <see cref="App"/>, so an OpenIddict row whose registration never committed
/// gives nothing.
/// </summary>
public static class AppClients
{
    public const int MaxNameLength = 80;
    public const int MaxRedirectUris = 10;
    public const int MaxRedirectUriLength = 2000;

    /// <summary>The scopes an app may be registered for: the app scopes and the OpenID ones.</summary>
    public static IEnumerable<string> RegistrableScopes => [.. AppScope.All, .. AppPrincipal.IdentityScopes];

    /// <summary><c>app_</c> and 128 random bits: unguessable, so a public app's id tells nobody else anything.</summary>
    public static string NewClientId() => "app_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static OpenIddictApplicationDescriptor Descriptor(Guid appId, Guid workspaceId, string clientId, string? secret, string name,
        IEnumerable<string> redirectUris, IEnumerable<string> scopes)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            // Hashed by OpenIddict's manager before it is stored; the clear text only goes back to the caller, once.
            ClientSecret = secret,
            ClientType = secret is null ? ClientTypes.Public : ClientTypes.Confidential,
            ConsentType = ConsentTypes.Explicit,
            DisplayName = name,
            Permissions =
            {
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.Revocation,
                Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken,
                Permissions.ResponseTypes.Code,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
            Properties =
            {
                [AppClaims.WorkspaceProperty] = JsonSerializer.SerializeToElement(workspaceId.ToString("N")),
                [AppClaims.AppProperty] = JsonSerializer.SerializeToElement(appId.ToString("N")),
            },
        };
        if (secret is not null)
        {
            descriptor.Permissions.Add(Permissions.GrantTypes.ClientCredentials);
        }

        foreach (var scope in scopes.Distinct(StringComparer.Ordinal))
        {
            descriptor.Permissions.Add(Permissions.Prefixes.Scope + scope);
        }

        foreach (var uri in redirectUris)
        {
            descriptor.RedirectUris.Add(new Uri(uri, UriKind.Absolute));
        }

        return descriptor;
    }

    /// <summary>The app an OpenIddict application belongs to, or null for Nexus's own clients.</summary>
    public static async ValueTask<(Guid AppId, Guid WorkspaceId)?> AppOfAsync(IOpenIddictApplicationManager applications, object application, CancellationToken ct)
    {
        var properties = await applications.GetPropertiesAsync(application, ct);
        return properties.TryGetValue(AppClaims.AppProperty, out var app) && properties.TryGetValue(AppClaims.WorkspaceProperty, out var workspace) &&
            Guid.TryParseExact(app.GetString(), "N", out var appId) && Guid.TryParseExact(workspace.GetString(), "N", out var workspaceId)
            ? (appId, workspaceId)
            : null;
    }

    public static IRuleBuilderOptions<T, string> ValidAppName<T>(this IRuleBuilder<T, string> rule) =>
        rule.Must(name => !string.IsNullOrWhiteSpace(name)).WithMessage("Enter the app's name.")
            .Must(name => (name ?? "").Trim().Length <= MaxNameLength).WithMessage($"An app's name has at most {MaxNameLength} characters.")
            .Must(name => !(name ?? "").Any(char.IsControl)).WithMessage("An app's name cannot contain control characters.");

    /// <summary>
    /// Redirect URIs are matched exactly (OpenIddict compares the strings), so each is checked as given: absolute, no
    /// fragment, no user info; https, except http to a loopback IP literal for native apps (RFC 8252 §7.3; the port is
    /// part of the match) and any http in Development.
    /// </summary>
    public static IRuleBuilderOptions<T, IReadOnlyList<string>> ValidRedirectUris<T>(this IRuleBuilder<T, IReadOnlyList<string>> rule, bool development) =>
        rule.Must(uris => uris is { Count: > 0 and <= MaxRedirectUris }).WithMessage($"Give 1 to {MaxRedirectUris} redirect URIs.")
            .Must(uris => uris is null || uris.Distinct(StringComparer.Ordinal).Count() == uris.Count).WithMessage("A redirect URI is listed twice.")
            .Must(uris => uris is null || uris.All(uri => RedirectUriProblem(uri, development) is null))
            .WithMessage((_, uris) => uris.Select(uri => RedirectUriProblem(uri, development)).First(p => p is not null)!);

    public static IRuleBuilderOptions<T, IReadOnlyList<string>> ValidAppScopes<T>(this IRuleBuilder<T, IReadOnlyList<string>> rule) =>
        rule.Must(scopes => scopes is null || scopes.All(RegistrableScopes.Contains))
            .WithMessage((_, scopes) => $"`{scopes.First(s => !RegistrableScopes.Contains(s))}` is not a scope an app may ask for; use {string.Join(", ", RegistrableScopes)}.")
            .Must(scopes => scopes is null || !scopes.All(RegistrableScopes.Contains) || scopes.Any(AppScope.IsKnown))
            .WithMessage($"Choose at least one of the app scopes: {string.Join(", ", AppScope.All)}.")
            .Must(scopes => scopes is null || scopes.Distinct(StringComparer.Ordinal).Count() == scopes.Count).WithMessage("A scope is listed twice.");

    internal static string? RedirectUriProblem(string? uri, bool development)
    {
        if (string.IsNullOrEmpty(uri) || uri.Length > MaxRedirectUriLength)
        {
            return $"A redirect URI has 1 to {MaxRedirectUriLength} characters.";
        }

        // On Unix "/path" parses as an absolute file URI: a path is not what the developer meant.
        if (uri.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) || !Uri.TryCreate(uri, UriKind.Absolute, out var parsed) ||
            (parsed.IsFile && !uri.StartsWith("file:", StringComparison.OrdinalIgnoreCase)))
        {
            return $"`{uri}` is not an absolute URI.";
        }

        if (uri.Contains('#', StringComparison.Ordinal))
        {
            return $"`{uri}` has a fragment; a redirect URI cannot.";
        }

        if (parsed.UserInfo.Length > 0)
        {
            return $"`{uri}` carries user info; a redirect URI cannot.";
        }

        var loopback = parsed.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(parsed.IdnHost.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
        return parsed.Scheme == Uri.UriSchemeHttps || (parsed.Scheme == Uri.UriSchemeHttp && (loopback || development))
            ? null
            : $"`{uri}` must use https (or http to 127.0.0.1 or [::1] for a native app).";
    }
}
