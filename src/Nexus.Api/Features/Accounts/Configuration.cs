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
    }
}
