using FluentValidation;
using Marten;
using Microsoft.AspNetCore.Identity;
using Nexus.Api.GraphQL;
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

    public static (Outcome<Guid, WrongPasswordError>, IMartenOp, IMartenOp, OutgoingMessages) Handle(
        ChangePassword command, UserCredentials? credentials, IPasswordHasher<UserCredentials> hasher, DateTimeOffset now)
    {
        if (credentials is null || hasher.VerifyHashedPassword(credentials, credentials.PasswordHash, command.CurrentPassword) == PasswordVerificationResult.Failed)
        {
            return (new WrongPasswordError(), MartenOps.Nothing(), MartenOps.Nothing(), []);
        }

        return (command.UserId,
            MartenOps.Store(credentials with { PasswordHash = hasher.HashPassword(credentials, command.NewPassword), ChangedAt = now }),
            MartenOps.Append(command.UserId, new PasswordChanged(command.UserId, PasswordChangeKind.Change, now)),
            [new RevokeSessions(command.UserId, command.KeepAuthorizationId)]);
    }
}

public sealed record ChangePasswordInput(
    string CurrentPassword,
    [property: DescribedAs("At least {0} characters, not a common password.", PasswordPolicy.MinimumLength)] string NewPassword);

public sealed class ChangePasswordMutation() : Mutation<ChangePasswordInput, ChangePassword, Guid>("changePassword",
    "Changes the password; the caller stays signed in, every other sign-in of the account ends.",
    Access.SignedIn.FirstPartyOnly(), AccountPayloads.User,
    (input, caller) => new(caller.UserId, caller.Context.CurrentAuthorizationId(), input.CurrentPassword, input.NewPassword));
