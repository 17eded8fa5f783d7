using System.ComponentModel;
using System.Text;
using FluentValidation;
using Marten;
using Microsoft.AspNetCore.Identity;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;
using Microsoft.Extensions.Options;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.Email;
using Wolverine;
using Wolverine.Marten;

namespace Nexus.Api.Features.Accounts.SigningUp;

/// <summary>Creates an account with an email and a password.</summary>
public sealed record SignUp(
    [property: Description("The sign-in email; case and surrounding spaces are ignored.")] string Email,
    [property: DescribedAs("At least {0} characters, not a common password.", PasswordPolicy.MinimumLength)] string Password,
    [property: Description("The name shown to teammates.")] string DisplayName)
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

    public static (Outcome<Guid, EmailTakenError>, IMartenOp, IMartenOp, IMartenOp, OutgoingMessages) Handle(
        SignUp command, User? existing, IPasswordHasher<UserCredentials> hasher, IOptions<NexusUrls> urls, DateTimeOffset now)
    {
        if (existing is not null)
        {
            return (new EmailTakenError(), MartenOps.Nothing(), MartenOps.Nothing(), MartenOps.Nothing(), []);
        }

        var userId = Guid.CreateVersion7(now);
        var registered = new UserRegistered(userId, EmailAddress.Normalize(command.Email), command.DisplayName.Trim(), now);
        var credentials = new UserCredentials(userId, hasher.HashPassword(null!, command.Password), now);
        var (token, verification) = AccountToken.Issue(AccountTokenPurpose.VerifyEmail, User.Create(registered), now);
        return (userId, MartenOps.StartStream<User>(userId, registered), MartenOps.Insert(credentials),
            MartenOps.Insert(verification), [new SendEmail(AccountEmails.Verification(registered.Email, token, urls.Value))]);
    }
}

public sealed class SignUpMutation() : Mutation<SignUp, SignUp, Guid>("signUp", "Creates an account. Public.",
    Access.Public(rateLimit: NexusRateLimiter.SignUp).FirstPartyOnly(), AccountPayloads.NewUser, (input, _) => input);
