using GraphQL;
using GraphQL.Types;
using Marten;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using OpenIddict.Abstractions;

namespace Nexus.Api.Features.Accounts;

/// <summary>What account mutations answer: the account as it now is (null on failure) and typed errors.</summary>
public sealed record AccountPayload(User? User, IReadOnlyList<MutationError> Errors);

/// <summary>The payload type of one account mutation, named <c>{Mutation}Payload</c>.</summary>
public abstract class AccountPayloadType<TErrors> : ObjectGraphType<AccountPayload> where TErrors : ErrorUnionType
{
    protected AccountPayloadType(string name)
    {
        Name = name;
        Field<UserType, User>("user").Description("The account after the change; null when `errors` is not empty.").Resolve(ctx => ctx.Source.User);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TErrors>>>, IReadOnlyList<MutationError>>("errors").Resolve(ctx => ctx.Source.Errors);
    }
}

/// <summary>What public account mutations answer: whether it worked, and typed errors. No account is returned.</summary>
public sealed record DonePayload(bool Done, IReadOnlyList<MutationError> Errors);

public abstract class DonePayloadType<TErrors> : ObjectGraphType<DonePayload> where TErrors : ErrorUnionType
{
    protected DonePayloadType(string name)
    {
        Name = name;
        Field<NonNullGraphType<BooleanGraphType>, bool>("done").Resolve(ctx => ctx.Source.Done);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TErrors>>>, IReadOnlyList<MutationError>>("errors").Resolve(ctx => ctx.Source.Errors);
    }
}

public static class AccountMutations
{
    /// <summary>Sends an account command and reads the account back from its inline projection.</summary>
    public static async Task<AccountPayload> SendForAccountAsync<TCommand>(this IResolveFieldContext context, TCommand command) where TCommand : notnull
    {
        var outcome = await context.SendAsync<TCommand, Guid>(command);
        var user = outcome.Succeeded
            ? await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<User>(outcome.Value, context.CancellationToken)
            : null;
        return new AccountPayload(user, outcome.Errors);
    }

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
