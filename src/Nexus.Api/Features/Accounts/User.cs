using System.ComponentModel;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.Features.Accounts;

/// <summary>An account was created by signing up.</summary>
[Description("An account was created by signing up. The email is normalised (trimmed, lower-case); the password hash is not in the event (see UserCredentials).")]
public sealed record UserRegistered(Guid UserId, string Email, string DisplayName, DateTimeOffset RegisteredAt) : IDomainEvent;

[Description("The user proved they own their email: by following the emailed link, or by signing in with a provider that vouches for the address (Google).")]
public sealed record EmailVerified(Guid UserId, string Email, DateTimeOffset At) : IDomainEvent;

[Description("The password changed, by the user (Change) or through an emailed reset link (Reset). The hash is never in the event.")]
public sealed record PasswordChanged(Guid UserId, PasswordChangeKind Kind, DateTimeOffset At) : IDomainEvent;

[Description("The user updated their profile; every field holds its new value.")]
public sealed record ProfileUpdated(Guid UserId, string DisplayName, string? AvatarUrl, string? Bio, string? TimeZone, DateTimeOffset At) : IDomainEvent;

[Description("The account was deleted; its personal data in earlier events is masked.")]
public sealed record UserDeleted(Guid UserId, DateTimeOffset At) : IDomainEvent;

public enum PasswordChangeKind
{
    Change,
    Reset,
}

/// <summary>
/// A user account: the write model of the user stream and, projected inline, the read model behind
/// <c>User</c>. The email carries a unique index, which is what makes two concurrent sign-ups with one email
/// end with exactly one account.
/// </summary>
public sealed record User(
    Guid Id,
    string Email,
    string DisplayName,
    DateTimeOffset RegisteredAt,
    bool EmailVerified = false,
    string? AvatarUrl = null,
    string? Bio = null,
    string? TimeZone = null)
{
    public static User Create(UserRegistered registered) =>
        new(registered.UserId, registered.Email, registered.DisplayName, registered.RegisteredAt);

    public User Apply(EmailVerified verified) => verified.Email == Email ? this with { EmailVerified = true } : this;

    public User Apply(ProfileUpdated profile) =>
        this with { DisplayName = profile.DisplayName, AvatarUrl = profile.AvatarUrl, Bio = profile.Bio, TimeZone = profile.TimeZone };

    // A deleted account leaves no read model behind; its email is free again.
    public static bool ShouldDelete(UserDeleted deleted) => true;
}

/// <summary>
/// The password hash, kept out of the event stream so that replaying or exporting events never hands out
/// credentials. One document per user, id = user id.
/// </summary>
public sealed record UserCredentials(Guid Id, string PasswordHash, DateTimeOffset ChangedAt);
