using JasperFx.Events.Projections;
using Marten;
using Microsoft.AspNetCore.Identity;

namespace Nexus.Api.Features.Accounts;

public static class Configuration
{
    public static IServiceCollection AddAccounts(this IServiceCollection services)
    {
        services.AddSingleton<IPasswordHasher<UserCredentials>, PasswordHasher<UserCredentials>>();
        services.AddSingleton(PasswordPolicy.Default);
        return services;
    }
}

/// <summary>The Accounts area's documents and projections.</summary>
public sealed class AccountsMarten : IConfigureMarten
{
    public void Configure(IServiceProvider services, Marten.StoreOptions options)
    {
        options.Projections.Snapshot<User>(SnapshotLifecycle.Inline);
        options.Schema.For<User>().UniqueIndex(user => user.Email);
        options.Schema.For<UserCredentials>();
        options.Schema.For<AccountToken>();

        // Deleting an account masks what its events said about the person (see DeleteAccount).
        const string Erased = "(erased)";
        options.Events.AddMaskingRuleForProtectedInformation<UserRegistered>(e => e with { Email = Erased, DisplayName = Erased });
        options.Events.AddMaskingRuleForProtectedInformation<EmailVerified>(e => e with { Email = Erased });
        options.Events.AddMaskingRuleForProtectedInformation<ProfileUpdated>(e => e with { DisplayName = Erased, AvatarUrl = null, Bio = null });
    }
}
