using System.ComponentModel;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.Features.Accounts;

/// <summary>An account was created by signing up.</summary>
[Description("An account was created by signing up. The email is normalised (trimmed, lower-case); the password hash is not in the event (see UserCredentials).")]
public sealed record UserRegistered(Guid UserId, string Email, string DisplayName, DateTimeOffset RegisteredAt) : IDomainEvent;

/// <summary>
/// A user account: the write model of the user stream and, projected inline, the read model behind
/// <c>User</c>. The email carries a unique index, which is what makes two concurrent sign-ups with one email
/// end with exactly one account.
/// </summary>
public sealed record User(Guid Id, string Email, string DisplayName, DateTimeOffset RegisteredAt)
{
    public static User Create(UserRegistered registered) =>
        new(registered.UserId, registered.Email, registered.DisplayName, registered.RegisteredAt);
}

/// <summary>
/// The password hash, kept out of the event stream so that replaying or exporting events never hands out
/// credentials. One document per user, id = user id.
/// </summary>
public sealed record UserCredentials(Guid Id, string PasswordHash, DateTimeOffset ChangedAt);
