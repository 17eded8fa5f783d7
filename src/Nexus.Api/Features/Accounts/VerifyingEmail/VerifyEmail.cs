using System.ComponentModel;
using FluentValidation;
using Marten;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure;
using Wolverine.Marten;

namespace Nexus.Api.Features.Accounts.VerifyingEmail;

/// <summary>Confirms an email address with the token emailed at sign-up. Public: the token is the proof.</summary>
public sealed record VerifyEmail([property: Description("The token from the verification link.")] string Token)
{
    public override string ToString() => "VerifyEmail { Token = *** }";

    public sealed class Validator : AbstractValidator<VerifyEmail>
    {
        public Validator() => RuleFor(c => c.Token).NotEmpty().MaximumLength(200).WithMessage("Paste the token from the link in the email.");
    }
}

public sealed record VerificationContext(AccountToken? Token, User? User);

public static class VerifyEmailHandler
{
    public static async Task<VerificationContext> LoadAsync(VerifyEmail command, IQuerySession session, CancellationToken ct)
    {
        var token = await session.LoadAsync<AccountToken>(SecretTokens.Hash(command.Token), ct);
        return new VerificationContext(token, token is null ? null : await session.LoadAsync<User>(token.UserId, ct));
    }

    public static (Outcome<Guid, InvalidTokenError>, IMartenOp, IMartenOp) Handle(VerifyEmail command, VerificationContext context, DateTimeOffset now)
    {
        // A token for an address the account no longer has proves nothing about the current one.
        if (context is not { Token: { } token, User: { } user } || !token.IsValidFor(AccountTokenPurpose.VerifyEmail, now) || token.Email != user.Email)
        {
            return (new InvalidTokenError(), MartenOps.Nothing(), MartenOps.Nothing());
        }

        IMartenOp verified = user.EmailVerified ? MartenOps.Nothing() : MartenOps.Append(user.Id, new EmailVerified(user.Id, user.Email, now));
        return (user.Id, verified, MartenOps.Delete<AccountToken>(token.Id));
    }
}

public sealed class VerifyEmailMutation() : Mutation<VerifyEmail, VerifyEmail, Guid>("verifyEmail",
    "Confirms the email address with the emailed token. Public.",
    Access.Public().FirstPartyOnly(), Payload<Guid>.Done, (input, _) => input);
