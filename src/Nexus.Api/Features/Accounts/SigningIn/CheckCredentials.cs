using Marten;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Nexus.Api.Infrastructure.Identity;
using Wolverine.Marten;

namespace Nexus.Api.Features.Accounts.SigningIn;

/// <summary>
/// Checks an email and password, the one way into an account (sign-in page and password grant alike), and
/// counts failures per email and client address: <see cref="AuthOptions.LockoutThreshold"/> in a row lock that
/// pair, <see cref="AuthOptions.EmailLockoutThreshold"/> from all addresses together lock the email, each for
/// <see cref="AuthOptions.LockoutDuration"/>. The answer never tells which of email or password was wrong.
/// </summary>
public sealed record CheckCredentials(string Email, string Password, string Client)
{
    // Neither the password nor the email (a username) may reach a log through a message's ToString.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Client = ").Append(Client);
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

/// <summary>
/// Failed sign-ins against one email, id = the normalised email (so unknown emails are throttled too): the count
/// over all addresses and, per client address, the count in a row. One document, so that a password reset (which
/// deletes it) clears every lock of the email.
/// </summary>
public sealed record SignInAttempts(
    string Id,
    int Failures,
    DateTimeOffset? LockedUntil,
    DateTimeOffset? LastFailureAt = null,
    IReadOnlyDictionary<string, AddressAttempts>? Addresses = null);

/// <summary>Failed sign-ins against one email from one client address.</summary>
public sealed record AddressAttempts(int Failures, DateTimeOffset? LockedUntil, DateTimeOffset LastFailureAt);

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
        var address = attempts?.Addresses?.GetValueOrDefault(command.Client);
        if (attempts?.LockedUntil > now || address?.LockedUntil > now)
        {
            return (new CredentialCheckResult(CredentialVerdict.LockedOut, null), MartenOps.Nothing(), MartenOps.Nothing());
        }

        var verdict = hasher.VerifyHashedPassword(credentials!, credentials?.PasswordHash ?? DecoyHash, command.Password);
        if (user is null || credentials is null || verdict == PasswordVerificationResult.Failed)
        {
            var recorded = Fail(attempts, email, command.Client, settings, now);
            var locked = recorded.LockedUntil > now || recorded.Addresses![command.Client].LockedUntil > now;
            return (new CredentialCheckResult(locked ? CredentialVerdict.LockedOut : CredentialVerdict.Invalid, null),
                MartenOps.Store(recorded), MartenOps.Nothing());
        }

        // The hash format moved on (iteration count, algorithm): store the password under the current one.
        IMartenOp rehash = verdict == PasswordVerificationResult.SuccessRehashNeeded
            ? MartenOps.Store(credentials with { PasswordHash = hasher.HashPassword(credentials, command.Password), ChangedAt = now })
            : MartenOps.Nothing();
        IMartenOp reset = attempts is null ? MartenOps.Nothing() : MartenOps.Delete<SignInAttempts>(email);
        return (new CredentialCheckResult(CredentialVerdict.Valid, user), reset, rehash);
    }

    /// <summary>
    /// One more failure. Counts start again once a lock has run out or the last failure is older than
    /// <see cref="AuthOptions.LockoutDuration"/>; addresses whose count has started again are dropped, so the
    /// document only holds addresses that are guessing now.
    /// </summary>
    internal static SignInAttempts Fail(SignInAttempts? attempts, string email, string client, AuthOptions settings, DateTimeOffset now)
    {
        bool Stale(DateTimeOffset? lockedUntil, DateTimeOffset? lastFailureAt) =>
            lockedUntil is { } until ? until <= now : lastFailureAt is not { } last || now - last >= settings.LockoutDuration;

        var addresses = (attempts?.Addresses ?? new Dictionary<string, AddressAttempts>())
            .Where(a => !Stale(a.Value.LockedUntil, a.Value.LastFailureAt))
            .ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
        var mine = addresses.GetValueOrDefault(client);
        var addressFailures = (mine?.Failures ?? 0) + 1;
        addresses[client] = addressFailures >= settings.LockoutThreshold
            ? new AddressAttempts(0, now + settings.LockoutDuration, now)
            : new AddressAttempts(addressFailures, null, now);

        var emailFailures = (attempts is null || Stale(attempts.LockedUntil, attempts.LastFailureAt) ? 0 : attempts.Failures) + 1;
        return emailFailures >= settings.EmailLockoutThreshold
            ? new SignInAttempts(email, 0, now + settings.LockoutDuration, now, addresses)
            : new SignInAttempts(email, emailFailures, null, now, addresses);
    }
}
