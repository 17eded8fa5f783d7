using Nexus.Api.Infrastructure;

namespace Nexus.Api.Features.Accounts;

/// <summary>What an emailed account token is for.</summary>
public enum AccountTokenPurpose
{
    VerifyEmail,
    ResetPassword,
}

/// <summary>
/// A single-use token sent by email, stored only as its hash (id = SHA-256 hex), so the database cannot redeem it.
/// <see cref="Email"/> binds a verification to the address it was sent to.
/// </summary>
public sealed record AccountToken(string Id, AccountTokenPurpose Purpose, Guid UserId, string Email, DateTimeOffset ExpiresAt)
{
    public static readonly TimeSpan VerificationLifetime = TimeSpan.FromDays(2);
    public static readonly TimeSpan ResetLifetime = TimeSpan.FromHours(1);

    /// <summary>A new token and the document that will recognise it.</summary>
    public static (string Token, AccountToken Document) Issue(AccountTokenPurpose purpose, User user, DateTimeOffset now)
    {
        var token = SecretTokens.New();
        var lifetime = purpose == AccountTokenPurpose.VerifyEmail ? VerificationLifetime : ResetLifetime;
        return (token, new AccountToken(SecretTokens.Hash(token), purpose, user.Id, user.Email, now + lifetime));
    }

    public bool IsValidFor(AccountTokenPurpose purpose, DateTimeOffset now) => Purpose == purpose && ExpiresAt > now;
}

/// <summary>The emails accounts receive. Links go to the frontend, which calls the matching mutation with the token.</summary>
public static class AccountEmails
{
    public static Infrastructure.Email.EmailMessage Verification(string email, string token, NexusUrls urls) =>
        new("verify-email", email, "Confirm your email for Nexus",
            $"""
            Confirm that {email} is yours: {urls.FrontendUrl.TrimEnd('/')}/account/verify-email?token={token}

            The link works once and expires in {AccountToken.VerificationLifetime.TotalHours:0} hours.
            If you did not sign up for Nexus, ignore this email.
            """);

    public static Infrastructure.Email.EmailMessage PasswordReset(string email, string token, NexusUrls urls) =>
        new("password-reset", email, "Reset your Nexus password",
            $"""
            Someone asked to reset the password of the Nexus account for {email}.

            Choose a new password: {urls.FrontendUrl.TrimEnd('/')}/account/reset-password?token={token}

            The link works once and expires in {AccountToken.ResetLifetime.TotalMinutes:0} minutes.
            If it was not you, ignore this email: your password stays as it is.
            """);

    public static Infrastructure.Email.EmailMessage NoAccount(string email, NexusUrls urls) =>
        new("password-reset", email, "Reset your Nexus password",
            $"""
            Someone asked to reset the password of a Nexus account for {email}, but this address has no account.

            If it was you, perhaps you signed up with another address. You can also create an account:
            {urls.FrontendUrl.TrimEnd('/')}/sign-up

            If it was not you, ignore this email.
            """);
}
