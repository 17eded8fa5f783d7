using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Marten;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.Infrastructure;
using Wolverine.Marten;

namespace Nexus.Api.Features.Accounts.VerifyingEmail;

/// <summary>Confirms an email address with the token emailed at sign-up. Public: the token is the proof.</summary>
public sealed record VerifyEmail(string Token)
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

    public static (Outcome<Guid>, IMartenOp, IMartenOp) Handle(VerifyEmail command, VerificationContext context, DateTimeOffset now)
    {
        // A token for an address the account no longer has proves nothing about the current one.
        if (context is not { Token: { } token, User: { } user } || !token.IsValidFor(AccountTokenPurpose.VerifyEmail, now) || token.Email != user.Email)
        {
            return (Outcome<Guid>.Fail(new InvalidTokenError()), MartenOps.Nothing(), MartenOps.Nothing());
        }

        IMartenOp verified = user.EmailVerified ? MartenOps.Nothing() : MartenOps.Append(user.Id, new EmailVerified(user.Id, user.Email, now));
        return (Outcome<Guid>.Ok(user.Id), verified, MartenOps.Delete<AccountToken>(token.Id));
    }
}

[MutationType]
public sealed class VerifyEmailMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<VerifyEmailInputType, VerifyEmailPayloadType>("verifyEmail", "Confirms the email address with the emailed token. Public.")
            .Public()
            .ResolveAsync(async ctx =>
            {
                var outcome = await ctx.SendAsync<VerifyEmail, Guid>(ctx.GetArgument<VerifyEmail>("input"));
                return new DonePayload(outcome.Succeeded, outcome.Errors);
            });
}

public sealed class VerifyEmailInputType : InputObjectGraphType<VerifyEmail>
{
    public VerifyEmailInputType()
    {
        Name = "VerifyEmailInput";
        Field(c => c.Token).Description("The token from the verification link.");
    }
}

public sealed class VerifyEmailPayloadType() : DonePayloadType<VerifyEmailErrorType>("VerifyEmailPayload");

public sealed class VerifyEmailErrorType() : ErrorUnionType("VerifyEmailError", typeof(InvalidTokenError));
