using Marten;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Nexus.Api.Infrastructure.Identity;
using Wolverine.Marten;

namespace Nexus.Api.Features.Accounts.SigningIn;

/// <summary>
/// Checks an email and password, the one way into an account (sign-in page and password grant alike), and
/// counts failures: <see cref="AuthOptions.LockoutThreshold"/> in a row lock the account for
/// <see cref="AuthOptions.LockoutDuration"/>. The answer never tells which of email or password was wrong.
/// </summary>
public sealed record CheckCredentials(string Email, string Password)
{
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Email = ").Append(Email);
        return true;
    }
}

public enum CredentialVerdict
{
    Valid,
    Invalid,
    LockedOut,
}

public sealed record CredentialCheckResult(CredentialVerdict Verdict, User? User);

/// <summary>Failed sign-ins against one email, id = the normalised email (so unknown emails are throttled too).</summary>
public sealed record SignInAttempts(string Id, int Failures, DateTimeOffset? LockedUntil);

public static class CheckCredentialsHandler
{
    // A hash of a random password: verifying against it costs what a real check costs, so the time an answer
    // takes does not reveal whether the email has an account.
    private static readonly string DecoyHash = new PasswordHasher<UserCredentials>().HashPassword(null!, Guid.NewGuid().ToString());

    public static async Task<(User?, UserCredentials?, SignInAttempts?)> LoadAsync(CheckCredentials command, IQuerySession session, CancellationToken ct)
    {
        var email = EmailAddress.Normalize(command.Email);
        var user = await session.Query<User>().FirstOrDefaultAsync(u => u.Email == email, ct);
        var credentials = user is null ? null : await session.LoadAsync<UserCredentials>(user.Id, ct);
        var attempts = await session.LoadAsync<SignInAttempts>(email, ct);
        return (user, credentials, attempts);
    }

    public static (CredentialCheckResult, IMartenOp, IMartenOp) Handle(
        CheckCredentials command, User? user, UserCredentials? credentials, SignInAttempts? attempts,
        IPasswordHasher<UserCredentials> hasher, IOptions<AuthOptions> options, DateTimeOffset now)
    {
        var email = EmailAddress.Normalize(command.Email);
        var settings = options.Value;
        if (attempts?.LockedUntil > now)
        {
            return (new CredentialCheckResult(CredentialVerdict.LockedOut, null), MartenOps.Nothing(), MartenOps.Nothing());
        }

        var verdict = hasher.VerifyHashedPassword(credentials!, credentials?.PasswordHash ?? DecoyHash, command.Password);
        if (user is null || credentials is null || verdict == PasswordVerificationResult.Failed)
        {
            var failures = (attempts?.LockedUntil is null ? attempts?.Failures ?? 0 : 0) + 1;
            var locked = failures >= settings.LockoutThreshold ? now + settings.LockoutDuration : (DateTimeOffset?)null;
            return (new CredentialCheckResult(locked is null ? CredentialVerdict.Invalid : CredentialVerdict.LockedOut, null),
                MartenOps.Store(new SignInAttempts(email, locked is null ? failures : 0, locked)), MartenOps.Nothing());
        }

        // The hash format moved on (iteration count, algorithm): store the password under the current one.
        IMartenOp rehash = verdict == PasswordVerificationResult.SuccessRehashNeeded
            ? MartenOps.Store(credentials with { PasswordHash = hasher.HashPassword(credentials, command.Password), ChangedAt = now })
            : MartenOps.Nothing();
        IMartenOp reset = attempts is null ? MartenOps.Nothing() : MartenOps.Delete<SignInAttempts>(email);
        return (new CredentialCheckResult(CredentialVerdict.Valid, user), reset, rehash);
    }
}
