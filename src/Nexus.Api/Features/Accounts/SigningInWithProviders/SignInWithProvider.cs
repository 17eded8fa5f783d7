using Marten;
using Nexus.Api.Features.Accounts.DeletingAccount;
using Wolverine.Marten;

namespace Nexus.Api.Features.Accounts.SigningInWithProviders;

/// <summary>
/// Signs in with an account at a social provider, as the provider described it after a completed sign-in there:
/// the account already linked to it, else the account with the same email (linked now), else a new account.
/// </summary>
/// <param name="Provider">The provider's name, as OpenIddict knows it (<c>Google</c>).</param>
/// <param name="ProviderUserId">The provider's stable id of the person (<c>sub</c>), never their email.</param>
/// <param name="Email">The email the provider has for the person, if it shared one.</param>
/// <param name="EmailVerified">Whether the provider vouches that the person owns <paramref name="Email"/>.</param>
/// <param name="DisplayName">The provider's name for the person, for a new account.</param>
public sealed record SignInWithProvider(string Provider, string ProviderUserId, string? Email, bool EmailVerified, string? DisplayName);

public enum ExternalSignInVerdict
{
    /// <summary>The provider account was already linked to an account.</summary>
    SignedIn,

    /// <summary>Linked now to the account with the same, verified email.</summary>
    Linked,

    /// <summary>A new account was created from the verified email.</summary>
    Registered,

    /// <summary>No link, and no verified email to find or create an account with.</summary>
    EmailNotVerified,

    /// <summary>The account with that email has not confirmed it, so it may not be its owner's: not linked.</summary>
    AccountEmailNotVerified,
}

public sealed record ExternalSignInResult(ExternalSignInVerdict Verdict, User? User);

/// <summary>
/// Which account a provider's account signs into; id = <see cref="IdFor"/>, so one provider account links to
/// at most one Nexus account, and two concurrent first sign-ins cannot both insert it.
/// </summary>
public sealed record ExternalLogin(string Id, Guid UserId, string Provider, string ProviderUserId, DateTimeOffset LinkedAt)
{
    public static string IdFor(string provider, string providerUserId) => $"{provider.ToLowerInvariant()}:{providerUserId}";
}

public sealed record ExternalSignInState(ExternalLogin? Login, User? LinkedUser, User? EmailOwner);

public static class SignInWithProviderHandler
{
    public static async Task<ExternalSignInState> LoadAsync(SignInWithProvider command, IQuerySession session, CancellationToken ct)
    {
        var login = await session.LoadAsync<ExternalLogin>(ExternalLogin.IdFor(command.Provider, command.ProviderUserId), ct);
        var linked = login is null ? null : await session.LoadAsync<User>(login.UserId, ct);
        var email = command.Email is null ? null : EmailAddress.Normalize(command.Email);
        var owner = linked is not null || string.IsNullOrEmpty(email)
            ? null
            : await session.Query<User>().FirstOrDefaultAsync(user => user.Email == email, ct);
        return new ExternalSignInState(login, linked, owner);
    }

    public static (ExternalSignInResult, IMartenOp, IMartenOp) Handle(SignInWithProvider command, ExternalSignInState state, DateTimeOffset now)
    {
        if (state.LinkedUser is { } linkedUser)
        {
            return (new ExternalSignInResult(ExternalSignInVerdict.SignedIn, linkedUser), MartenOps.Nothing(), MartenOps.Nothing());
        }

        // Only an address the provider has verified may find or create an account: anyone can type someone
        // else's email into a provider account, and linking on that would hand them the victim's account.
        var email = command.Email is null ? null : EmailAddress.Normalize(command.Email);
        if (!command.EmailVerified || email is null || !EmailAddress.IsValid(email))
        {
            return (new ExternalSignInResult(ExternalSignInVerdict.EmailNotVerified, null), MartenOps.Nothing(), MartenOps.Nothing());
        }

        // The mirror case: someone may have signed up with this address, unconfirmed, before its owner came with
        // Google; linking would give the owner an account whose password the squatter knows. Confirming the email
        // (or resetting the password through it) settles who owns the account, and then linking is safe.
        if (state.EmailOwner is { EmailVerified: false })
        {
            return (new ExternalSignInResult(ExternalSignInVerdict.AccountEmailNotVerified, null), MartenOps.Nothing(), MartenOps.Nothing());
        }

        var userId = state.EmailOwner?.Id ?? Guid.CreateVersion7(now);
        var linked = new ExternalLoginLinked(userId, command.Provider, command.ProviderUserId, now);
        var login = new ExternalLogin(ExternalLogin.IdFor(command.Provider, command.ProviderUserId), userId, command.Provider, command.ProviderUserId, now);
        // Insert, so that of two concurrent first sign-ins one fails and its retry finds the other's link;
        // a login left behind by a deleted account is replaced.
        IMartenOp storeLogin = state.Login is null ? MartenOps.Insert(login) : MartenOps.Store(login);

        if (state.EmailOwner is { } owner)
        {
            return (new ExternalSignInResult(ExternalSignInVerdict.Linked, owner), MartenOps.Append(owner.Id, linked), storeLogin);
        }

        // No password: no UserCredentials document, so password sign-in stays impossible for this account. The
        // provider vouched for the address, which is what verifying it by email would prove.
        var registered = new UserRegistered(userId, email, DisplayNameFor(command.DisplayName, email), now);
        var verified = new EmailVerified(userId, email, now);
        return (new ExternalSignInResult(ExternalSignInVerdict.Registered, User.Create(registered).Apply(verified)),
            MartenOps.StartStream<User>(userId, registered, verified, linked), storeLogin);
    }

    /// <summary>The provider's name for the person, made to fit the sign-up rules; else the email's local part.</summary>
    internal static string DisplayNameFor(string? name, string email)
    {
        var cleaned = new string((name ?? "").Where(c => !char.IsControl(c)).ToArray()).Trim();
        if (cleaned.Length == 0)
        {
            cleaned = email[..email.IndexOf('@', StringComparison.Ordinal)];
        }

        var max = AccountRules.MaxDisplayNameLength;
        if (cleaned.Length <= max)
        {
            return cleaned;
        }

        // Never cut a surrogate pair (an emoji) in half.
        return cleaned[..(char.IsHighSurrogate(cleaned[max - 1]) ? max - 1 : max)].TrimEnd();
    }
}

/// <summary>A deleted account's provider logins go with it, so its provider ids are not kept.</summary>
public static class EraseExternalLoginsHandler
{
    public static IMartenOp Handle(EraseAccount command) => MartenOps.DeleteWhere<ExternalLogin>(login => login.UserId == command.UserId);
}

/// <summary>The external-login lookup document, and what account deletion masks in <see cref="ExternalLoginLinked"/>.</summary>
public sealed class ExternalLoginsMarten : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options)
    {
        options.Schema.For<ExternalLogin>().Index(login => login.UserId);
        options.Events.AddMaskingRuleForProtectedInformation<ExternalLoginLinked>(e => e with { ProviderUserId = "(erased)" });
    }
}
