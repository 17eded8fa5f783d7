using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Marten;
using Microsoft.AspNetCore.Identity;
using Nexus.Api.Features.Accounts.SigningIn;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.Infrastructure;
using Wolverine;
using Wolverine.Marten;

namespace Nexus.Api.Features.Accounts.ResettingPassword;

/// <summary>Sets a new password with an emailed reset token; every existing sign-in of the account ends.</summary>
public sealed record ResetPassword(string Token, string NewPassword)
{
    public override string ToString() => "ResetPassword { Token = ***, NewPassword = *** }";

    public sealed class Validator : AbstractValidator<ResetPassword>
    {
        public Validator(PasswordPolicy passwords)
        {
            RuleFor(c => c.Token).NotEmpty().MaximumLength(200).WithMessage("Paste the token from the link in the email.");
            RuleFor(c => c.NewPassword).SatisfiesPolicy(passwords);
        }
    }
}

public sealed record ResetContext(AccountToken? Token, User? User, UserCredentials? Credentials);

public static class ResetPasswordHandler
{
    public static async Task<ResetContext> LoadAsync(ResetPassword command, IQuerySession session, CancellationToken ct)
    {
        var token = await session.LoadAsync<AccountToken>(SecretTokens.Hash(command.Token), ct);
        return token is null
            ? new ResetContext(null, null, null)
            : new ResetContext(token, await session.LoadAsync<User>(token.UserId, ct), await session.LoadAsync<UserCredentials>(token.UserId, ct));
    }

    public static (Outcome<Guid>, IMartenOp, IMartenOp, IMartenOp, IMartenOp, OutgoingMessages) Handle(
        ResetPassword command, ResetContext context, IPasswordHasher<UserCredentials> hasher, DateTimeOffset now)
    {
        if (context is not { Token: { } token, User: { } user } || !token.IsValidFor(AccountTokenPurpose.ResetPassword, now))
        {
            return (Outcome<Guid>.Fail(new InvalidTokenError()), MartenOps.Nothing(), MartenOps.Nothing(), MartenOps.Nothing(), MartenOps.Nothing(), []);
        }

        var credentials = new UserCredentials(user.Id, hasher.HashPassword(context.Credentials!, command.NewPassword), now);
        return (Outcome<Guid>.Ok(user.Id),
            MartenOps.Append(user.Id, new PasswordChanged(user.Id, PasswordChangeKind.Reset, now)),
            MartenOps.Store(credentials),
            MartenOps.Delete<AccountToken>(token.Id),
            // Whoever was locked out by failed attempts has just proved they own the mailbox.
            MartenOps.Delete<SignInAttempts>(user.Email),
            [new RevokeSessions(user.Id, KeepAuthorizationId: null)]);
    }
}

[MutationType]
public sealed class ResetPasswordMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<ResetPasswordInputType, ResetPasswordPayloadType>("resetPassword",
                "Sets a new password with the emailed reset token and signs the account out everywhere. Public.")
            .Public()
            .ResolveAsync(async ctx =>
            {
                var outcome = await ctx.SendAsync<ResetPassword, Guid>(ctx.GetArgument<ResetPassword>("input"));
                return new DonePayload(outcome.Succeeded, outcome.Errors);
            });
}

public sealed class ResetPasswordInputType : InputObjectGraphType<ResetPassword>
{
    public ResetPasswordInputType()
    {
        Name = "ResetPasswordInput";
        Field(c => c.Token).Description("The token from the reset link.");
        Field(c => c.NewPassword).Description($"At least {PasswordPolicy.MinimumLength} characters, not a common password.");
    }
}

public sealed class ResetPasswordPayloadType() : DonePayloadType<ResetPasswordErrorType>("ResetPasswordPayload");

public sealed class ResetPasswordErrorType() : ErrorUnionType("ResetPasswordError", typeof(InvalidTokenError));
