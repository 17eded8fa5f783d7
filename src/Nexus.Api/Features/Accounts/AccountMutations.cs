using GraphQL;
using Marten;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using OpenIddict.Abstractions;

namespace Nexus.Api.Features.Accounts;

/// <summary>The payload shapes of account mutations (see <see cref="Payload{TResult}"/>).</summary>
public static class AccountPayloads
{
    /// <summary><c>user: User</c>, the account after the change, read back from its inline projection; null on failure.</summary>
    public static Payload<Guid> User { get; } = Of("The account after the change; null when `errors` is not empty.");

    /// <summary><c>user: User</c>, the account just created; null on failure.</summary>
    public static Payload<Guid> NewUser { get; } = Of("The new account; null when `errors` is not empty.");

    private static Payload<Guid> Of(string description) => Payload<Guid>.Of<UserType>("user", description, async (context, id) =>
        await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<User>(id, context.CancellationToken));
}

public static class AccountMutations
{
    /// <summary>The OpenIddict authorization (token family) the caller's access token belongs to.</summary>
    public static string? CurrentAuthorizationId(this IResolveFieldContext context) =>
        context.User?.FindFirst(OpenIddictConstants.Claims.Private.AuthorizationId)?.Value;
}

/// <summary>A password given to prove it is really the user (changePassword) is wrong.</summary>
public sealed record WrongPasswordError()
    : MutationError("WRONG_PASSWORD", "The current password is not right.", ["input", "currentPassword"]);

/// <summary>An emailed link was used already, replaced, mistyped or has expired.</summary>
public sealed record InvalidTokenError()
    : MutationError("INVALID_TOKEN", "This link is not valid any more: it was used already, has expired or was mistyped. Ask for a new one.", ["input", "token"]);
