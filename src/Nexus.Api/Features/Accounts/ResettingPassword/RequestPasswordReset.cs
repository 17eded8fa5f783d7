using FluentValidation;
using Marten;
using Microsoft.Extensions.Options;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.Email;
using Wolverine;
using Wolverine.Marten;

namespace Nexus.Api.Features.Accounts.ResettingPassword;

/// <summary>
/// Emails a password-reset link when the address has an account, and a note saying there is none otherwise. The
/// answer is the same either way, and so is the work before answering (one email into the outbox, sent later),
/// so neither the response nor its timing tells who has an account.
/// </summary>
public sealed record RequestPasswordReset(string Email)
{
    public sealed class Validator : AbstractValidator<RequestPasswordReset>
    {
        public Validator() => RuleFor(c => c.Email).ValidEmail();
    }
}

public static class RequestPasswordResetHandler
{
    public static Task<User?> LoadAsync(RequestPasswordReset command, IQuerySession session, CancellationToken ct)
    {
        var email = EmailAddress.Normalize(command.Email);
        return session.Query<User>().FirstOrDefaultAsync(u => u.Email == email, ct);
    }

    public static (Outcome<Guid, NoError>, IMartenOp, OutgoingMessages) Handle(RequestPasswordReset command, User? user, IOptions<NexusUrls> urls, DateTimeOffset now)
    {
        if (user is null)
        {
            return (Guid.Empty, MartenOps.Nothing(), [new SendEmail(AccountEmails.NoAccount(EmailAddress.Normalize(command.Email), urls.Value))]);
        }

        var (token, document) = AccountToken.Issue(AccountTokenPurpose.ResetPassword, user, now);
        return (user.Id, MartenOps.Insert(document), [new SendEmail(AccountEmails.PasswordReset(user.Email, token, urls.Value))]);
    }
}

public sealed class RequestPasswordResetMutation() : Mutation<RequestPasswordReset, RequestPasswordReset, Guid>("requestPasswordReset",
    "Emails a reset link (valid 1 hour) if the address has an account; answers the same either way. Public.",
    Access.Public(rateLimit: NexusRateLimiter.PasswordReset).FirstPartyOnly(), Payload<Guid>.Done, (input, _) => input);
