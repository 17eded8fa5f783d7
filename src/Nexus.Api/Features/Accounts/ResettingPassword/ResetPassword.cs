using System.ComponentModel;
using FluentValidation;
using Marten;
using Microsoft.AspNetCore.Identity;
using Nexus.Api.Features.Accounts.SigningIn;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure;
using Wolverine;
using Wolverine.Marten;

namespace Nexus.Api.Features.Accounts.ResettingPassword;

/// <summary>Sets a new password with an emailed reset token; every existing sign-in of the account ends.</summary>
public sealed record ResetPassword(
    [property: Description("The token from the reset link.")] string Token,
    [property: DescribedAs("At least {0} characters, not a common password.", PasswordPolicy.MinimumLength)] string NewPassword)
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

    public static (Outcome<Guid, InvalidTokenError>, IMartenOp, IMartenOp, IMartenOp, IMartenOp, OutgoingMessages) Handle(
        ResetPassword command, ResetContext context, IPasswordHasher<UserCredentials> hasher, DateTimeOffset now)
    {
        if (context is not { Token: { } token, User: { } user } || !token.IsValidFor(AccountTokenPurpose.ResetPassword, now))
        {
            return (new InvalidTokenError(), MartenOps.Nothing(), MartenOps.Nothing(), MartenOps.Nothing(), MartenOps.Nothing(), []);
        }

        var credentials = new UserCredentials(user.Id, hasher.HashPassword(context.Credentials!, command.NewPassword), now);
        return (user.Id,
            MartenOps.Append(user.Id, new PasswordChanged(user.Id, PasswordChangeKind.Reset, now)),
            MartenOps.Store(credentials),
            MartenOps.Delete<AccountToken>(token.Id),
            // Whoever was locked out by failed attempts has just proved they own the mailbox.
            MartenOps.Delete<SignInAttempts>(user.Email),
            [new RevokeSessions(user.Id, KeepAuthorizationId: null)]);
    }
}

public sealed class ResetPasswordMutation() : Mutation<ResetPassword, ResetPassword, Guid>("resetPassword",
    "Sets a new password with the emailed reset token and signs the account out everywhere. Public.",
    Access.Public().FirstPartyOnly(), Payload<Guid>.Done, (input, _) => input);
