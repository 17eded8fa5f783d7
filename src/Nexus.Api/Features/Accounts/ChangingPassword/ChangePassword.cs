using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Marten;
using Microsoft.AspNetCore.Identity;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Wolverine;
using Wolverine.Marten;

namespace Nexus.Api.Features.Accounts.ChangingPassword;

/// <summary>Changes the password, proving the current one; every other sign-in of the account ends.</summary>
public sealed record ChangePassword(Guid UserId, string? KeepAuthorizationId, string CurrentPassword, string NewPassword)
{
    public override string ToString() => $"ChangePassword {{ UserId = {UserId} }}";

    public sealed class Validator : AbstractValidator<ChangePassword>
    {
        public Validator(PasswordPolicy passwords) => RuleFor(c => c.NewPassword).SatisfiesPolicy(passwords);
    }
}

public static class ChangePasswordHandler
{
    public static Task<UserCredentials?> LoadAsync(ChangePassword command, IQuerySession session, CancellationToken ct) =>
        session.LoadAsync<UserCredentials>(command.UserId, ct);

    public static (Outcome<Guid>, IMartenOp, IMartenOp, OutgoingMessages) Handle(
        ChangePassword command, UserCredentials? credentials, IPasswordHasher<UserCredentials> hasher, DateTimeOffset now)
    {
        if (credentials is null || hasher.VerifyHashedPassword(credentials, credentials.PasswordHash, command.CurrentPassword) == PasswordVerificationResult.Failed)
        {
            return (Outcome<Guid>.Fail(new WrongPasswordError()), MartenOps.Nothing(), MartenOps.Nothing(), []);
        }

        return (Outcome<Guid>.Ok(command.UserId),
            MartenOps.Store(credentials with { PasswordHash = hasher.HashPassword(credentials, command.NewPassword), ChangedAt = now }),
            MartenOps.Append(command.UserId, new PasswordChanged(command.UserId, PasswordChangeKind.Change, now)),
            [new RevokeSessions(command.UserId, command.KeepAuthorizationId)]);
    }
}

public sealed record ChangePasswordInput(string CurrentPassword, string NewPassword);

[MutationType]
public sealed class ChangePasswordMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<ChangePasswordInputType, ChangePasswordPayloadType>("changePassword",
                "Changes the password; the caller stays signed in, every other sign-in of the account ends.")
            .ResolveAsync(async ctx =>
            {
                var input = ctx.GetArgument<ChangePasswordInput>("input");
                var userId = ctx.UserId() ?? throw new ForbiddenError("Only people have passwords; sign in as a user.");
                return await ctx.SendForAccountAsync(new ChangePassword(userId, ctx.CurrentAuthorizationId(), input.CurrentPassword, input.NewPassword));
            });
}

public sealed class ChangePasswordInputType : InputObjectGraphType<ChangePasswordInput>
{
    public ChangePasswordInputType()
    {
        Name = "ChangePasswordInput";
        Field(i => i.CurrentPassword);
        Field(i => i.NewPassword).Description($"At least {PasswordPolicy.MinimumLength} characters, not a common password.");
    }
}

public sealed class ChangePasswordPayloadType() : AccountPayloadType<ChangePasswordErrorType>("ChangePasswordPayload");

public sealed class ChangePasswordErrorType() : ErrorUnionType("ChangePasswordError", typeof(WrongPasswordError));
