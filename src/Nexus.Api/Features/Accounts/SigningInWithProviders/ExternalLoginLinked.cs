using System.ComponentModel;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.Features.Accounts.SigningInWithProviders;

/// <summary>An account can now be signed into with a social provider's account.</summary>
[Description("A social provider's account (Google, Facebook) was linked to the user, so signing in there signs into this account. Appended to the user stream, after UserRegistered when the account was created by that sign-in.")]
public sealed record ExternalLoginLinked(Guid UserId, string Provider, string ProviderUserId, DateTimeOffset At) : IDomainEvent;
