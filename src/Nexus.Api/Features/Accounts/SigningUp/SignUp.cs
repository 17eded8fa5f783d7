using System.Text;
using FluentValidation;
using GraphQL;
using GraphQL.Types;
using Marten;
using Microsoft.AspNetCore.Identity;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.GraphQL.Limits;
using Microsoft.Extensions.Options;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.Email;
using Wolverine;
using Wolverine.Marten;

namespace Nexus.Api.Features.Accounts.SigningUp;

/// <summary>Creates an account with an email and a password.</summary>
public sealed record SignUp(string Email, string Password, string DisplayName)
{
    // The password must never reach a log line through the record's generated ToString.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Email = ").Append(Email).Append(", DisplayName = ").Append(DisplayName);
        return true;
    }

    public sealed class Validator : AbstractValidator<SignUp>
    {
        public Validator(PasswordPolicy passwords)
        {
            RuleFor(c => c.Email).ValidEmail();
            RuleFor(c => c.Password).SatisfiesPolicy(passwords);
            RuleFor(c => c.DisplayName).ValidDisplayName();
        }
    }
}

/// <summary>The email already belongs to an account.</summary>
public sealed record EmailTakenError()
    : MutationError("EMAIL_TAKEN", "An account with this email already exists. Sign in, or reset your password.", ["input", "email"]);

public static class SignUpHandler
{
    public static Task<User?> LoadAsync(SignUp command, IQuerySession session, CancellationToken cancellation)
    {
        var email = EmailAddress.Normalize(command.Email);
        return session.Query<User>().FirstOrDefaultAsync(user => user.Email == email, cancellation);
    }

    public static (Outcome<Guid>, IMartenOp, IMartenOp, IMartenOp, OutgoingMessages) Handle(
        SignUp command, User? existing, IPasswordHasher<UserCredentials> hasher, IOptions<NexusUrls> urls, DateTimeOffset now)
    {
        if (existing is not null)
        {
            return (Outcome<Guid>.Fail(new EmailTakenError()), MartenOps.Nothing(), MartenOps.Nothing(), MartenOps.Nothing(), []);
        }

        var userId = Guid.CreateVersion7(now);
        var registered = new UserRegistered(userId, EmailAddress.Normalize(command.Email), command.DisplayName.Trim(), now);
        var credentials = new UserCredentials(userId, hasher.HashPassword(null!, command.Password), now);
        var (token, verification) = AccountToken.Issue(AccountTokenPurpose.VerifyEmail, User.Create(registered), now);
        return (Outcome<Guid>.Ok(userId), MartenOps.StartStream<User>(userId, registered), MartenOps.Insert(credentials),
            MartenOps.Insert(verification), [new SendEmail(AccountEmails.Verification(registered.Email, token, urls.Value))]);
    }
}

[MutationType]
public sealed class SignUpMutation : IRootFields
{
    public void AddTo(ObjectGraphType root) =>
        root.MutationField<SignUpInputType, SignUpPayloadType>("signUp", "Creates an account. Public.")
            .Public()
            .RateLimited(NexusRateLimiter.SignUp)
            .ResolveAsync(async ctx =>
            {
                var outcome = await ctx.SendAsync<SignUp, Guid>(ctx.GetArgument<SignUp>("input"));
                var user = outcome.Succeeded
                    ? await ctx.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<User>(outcome.Value, ctx.CancellationToken)
                    : null;
                return new SignUpPayload(user, outcome.Errors);
            });
}

public sealed record SignUpPayload(User? User, IReadOnlyList<MutationError> Errors);

public sealed class SignUpInputType : InputObjectGraphType<SignUp>
{
    public SignUpInputType()
    {
        Name = "SignUpInput";
        Field(c => c.Email).Description("The sign-in email; case and surrounding spaces are ignored.");
        Field(c => c.Password).Description($"At least {PasswordPolicy.MinimumLength} characters, not a common password.");
        Field(c => c.DisplayName).Description("The name shown to teammates.");
    }
}

public sealed class SignUpPayloadType : ObjectGraphType<SignUpPayload>
{
    public SignUpPayloadType()
    {
        Name = "SignUpPayload";
        Field<UserType, User>("user").Description("The new account; null when `errors` is not empty.").Resolve(ctx => ctx.Source.User);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<SignUpErrorType>>>, IReadOnlyList<MutationError>>("errors")
            .Resolve(ctx => ctx.Source.Errors);
    }
}

public sealed class SignUpErrorType() : ErrorUnionType("SignUpError", typeof(EmailTakenError));
