using OpenIddict.Abstractions;

namespace Nexus.Api.Features.Accounts;

/// <summary>
/// Ends a user's sign-ins: revokes their OpenIddict authorizations (token families), except the one named, so
/// every refresh token of those families stops working and, because API requests check the store, so do their
/// access tokens.
/// </summary>
public sealed record RevokeSessions(Guid UserId, string? KeepAuthorizationId);

public static class RevokeSessionsHandler
{
    public static Task Handle(RevokeSessions command, IOpenIddictAuthorizationManager authorizations, CancellationToken ct) =>
        RevokeAsync(command.UserId, command.KeepAuthorizationId, authorizations, ct);

    internal static async Task RevokeAsync(Guid userId, string? keep, IOpenIddictAuthorizationManager authorizations, CancellationToken ct)
    {
        var families = new List<object>();
        await foreach (var authorization in authorizations.FindBySubjectAsync(userId.ToString(), ct))
        {
            families.Add(authorization);
        }

        foreach (var authorization in families)
        {
            if (keep is null || await authorizations.GetIdAsync(authorization, ct) != keep)
            {
                await authorizations.TryRevokeAsync(authorization, ct);
            }
        }
    }
}
