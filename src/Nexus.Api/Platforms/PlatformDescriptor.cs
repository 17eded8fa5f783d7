using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Wolverine;

namespace Nexus.Api.Platforms;

/// <summary>
/// Everything Nexus knows about one platform, declared once in its folder: the option schema (which generates its
/// GraphQL options input), the rules preflight checks, the publisher, the OAuth client and the error map. One generic
/// registration (<see cref="PlatformsSetup.AddPlatform{TDescriptor}"/>) turns a descriptor into services.
/// </summary>
public interface IPlatformDescriptor
{
    PlatformId Platform { get; }

    /// <summary>Its entry in the <see cref="PlatformCatalogue"/>: name and headline limits, as the <c>platforms</c> query shows them.</summary>
    PlatformRules Catalogue { get; }

    /// <summary>The options its publisher reads; null for a platform that has none (the sandbox).</summary>
    PlatformOptionSchema? Options { get; }

    /// <summary>The <see cref="IPlatformOAuthClient"/> implementation.</summary>
    Type OAuthClient { get; }

    /// <summary>The <see cref="IPlatformPublisher"/> implementation.</summary>
    Type Publisher { get; }

    /// <summary>The <see cref="IPlatformRules"/> implementation.</summary>
    Type Rules { get; }

    /// <summary>The <see cref="IPlatformMetrics"/> implementation; null where Nexus reads no metrics from the platform.</summary>
    Type? Metrics { get; }

    /// <summary>The error map: how an unsuccessful answer of the platform's API becomes a classified failure.</summary>
    Task<PlatformException> ErrorOfAsync(HttpResponseMessage response, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Adds the platform's settings (<c>Nexus:Platforms:{Platform}</c>), clients, publisher and rules.</summary>
    void Register(IServiceCollection services, IConfiguration configuration);
}

/// <summary>
/// The descriptor every platform derives from. The clients are typed <see cref="HttpClient"/>s with the platform's
/// resilience pipeline and no HttpClient logging (request URIs can carry codes, tokens or signed upload URLs).
/// </summary>
/// <typeparam name="TSettings">The settings bound from <c>Nexus:Platforms:{Platform}</c>.</typeparam>
/// <typeparam name="TOAuthClient">The OAuth client.</typeparam>
/// <typeparam name="TPublisher">The publisher.</typeparam>
/// <typeparam name="TRules">The rules.</typeparam>
public abstract class PlatformDescriptor<TSettings, TOAuthClient, TPublisher, TRules> : IPlatformDescriptor
    where TSettings : PlatformOptions, new()
    where TOAuthClient : class, IPlatformOAuthClient
    where TPublisher : class, IPlatformPublisher
    where TRules : class, IPlatformRules
{
    public abstract PlatformId Platform { get; }

    public abstract PlatformRules Catalogue { get; }

    public abstract PlatformOptionSchema? Options { get; }

    public Type OAuthClient => typeof(TOAuthClient);

    public Type Publisher => typeof(TPublisher);

    public Type Rules => typeof(TRules);

    public virtual Type? Metrics => null;

    /// <summary>The configuration section of the platform's settings.</summary>
    public string Section => $"Nexus:Platforms:{Platform}";

    public abstract Task<PlatformException> ErrorOfAsync(HttpResponseMessage response, DateTimeOffset now, CancellationToken cancellationToken);

    public void Register(IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var settings = section.Get<TSettings>() ?? new TSettings();
        ConfigureSettings(services.AddOptions<TSettings>().Bind(section));
        services.TryAddSingleton(TimeProvider.System);
        services.AddPlatformHttpClient<TOAuthClient, TOAuthClient>(Platform, settings.AttemptTimeout, settings.CircuitBreakDuration).RemoveAllLoggers();
        services.AddPlatformHttpClient<TPublisher, TPublisher>(Platform, settings.AttemptTimeout, settings.CircuitBreakDuration).RemoveAllLoggers();
        services.TryAddSingleton<TRules>();
        services.AddSingleton<IPlatformRules>(sp => sp.GetRequiredService<TRules>());
        services.AddTransient<IPlatformOAuthClient>(sp => sp.GetRequiredService<TOAuthClient>());
        services.AddTransient<IPlatformPublisher>(sp => sp.GetRequiredService<TPublisher>());
        if (Metrics is { } metrics)
        {
            // The metrics client is a typed HttpClient like the others; its type is declared, not a type parameter, so
            // platforms without metrics need not name one.
            AddMetricsClient.MakeGenericMethod(metrics).Invoke(null, [services, Platform, settings.AttemptTimeout, settings.CircuitBreakDuration]);
        }

        services.AddSingleton<IPlatformDescriptor>(this);
        AddServices(services, configuration, settings);
    }

    private static readonly System.Reflection.MethodInfo AddMetricsClient =
        typeof(PlatformDescriptor<TSettings, TOAuthClient, TPublisher, TRules>).GetMethod(nameof(AddMetrics), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;

    private static void AddMetrics<TMetrics>(IServiceCollection services, PlatformId platform, TimeSpan attemptTimeout, TimeSpan breakDuration)
        where TMetrics : class, IPlatformMetrics =>
        services.AddPlatformHttpClient<TMetrics, TMetrics>(platform, attemptTimeout, breakDuration).RemoveAllLoggers();

    /// <summary>Settings defaults that depend on what was bound (default scopes, for instance).</summary>
    protected virtual void ConfigureSettings(OptionsBuilder<TSettings> settings)
    {
    }

    /// <summary>What the publisher needs besides its own client: upload clients, media downloaders.</summary>
    protected virtual void AddServices(IServiceCollection services, IConfiguration configuration, TSettings settings)
    {
    }

    /// <summary>For error maps that classify a body already read.</summary>
    protected static async Task<string> BodyOfAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        await PlatformErrors.ReadBodyAsync(response, cancellationToken) ?? string.Empty;
}

/// <summary>The descriptors of every platform, found in this assembly: adding a platform folder changes no central file.</summary>
public static class PlatformDescriptors
{
    public static IReadOnlyList<IPlatformDescriptor> All { get; } =
    [
        .. typeof(PlatformDescriptors).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IPlatformDescriptor).IsAssignableFrom(t))
            .Select(t => (IPlatformDescriptor)Activator.CreateInstance(t)!)
            .OrderBy(d => d.Platform),
    ];

    public static IPlatformDescriptor? Find(PlatformId platform) => All.FirstOrDefault(d => d.Platform == platform);

    /// <summary>The option schemas, one per platform that has options.</summary>
    public static IEnumerable<PlatformOptionSchema> OptionSchemas => All.Select(d => d.Options).OfType<PlatformOptionSchema>();
}

/// <summary>Registers every platform's descriptor, and <see cref="PlatformClients"/>.</summary>
public static class PlatformsSetup
{
    public static IServiceCollection AddNexusPlatforms(this IServiceCollection services, IConfiguration configuration)
    {
        foreach (var descriptor in PlatformDescriptors.All)
        {
            descriptor.Register(services, configuration);
        }

        services.TryAddScoped<PlatformClients>();
        // PlatformClients resolves typed HttpClients per use: Wolverine must take it from the request's services.
        services.ConfigureWolverine(wolverine => wolverine.CodeGeneration.AlwaysUseServiceLocationFor<PlatformClients>());
        return services;
    }

    /// <summary>Registers one platform (tests wire a single platform to its fake with it).</summary>
    public static IServiceCollection AddPlatform<TDescriptor>(this IServiceCollection services, IConfiguration configuration)
        where TDescriptor : IPlatformDescriptor, new()
    {
        new TDescriptor().Register(services, configuration);
        return services;
    }
}

/// <summary>
/// Finds a platform's OAuth client and publisher through its descriptor. The clients are typed HttpClients made per
/// use, so this resolves them from the request's services, only the one platform's.
/// </summary>
public sealed class PlatformClients(IServiceProvider services)
{
    public IPlatformOAuthClient? OAuth(PlatformId platform) =>
        PlatformDescriptors.Find(platform) is { } descriptor ? services.GetService(descriptor.OAuthClient) as IPlatformOAuthClient : null;

    public IPlatformPublisher? Publisher(PlatformId platform) =>
        PlatformDescriptors.Find(platform) is { } descriptor ? services.GetService(descriptor.Publisher) as IPlatformPublisher : null;

    public IPlatformMetrics? Metrics(PlatformId platform) =>
        PlatformDescriptors.Find(platform) is { Metrics: { } metrics } ? services.GetService(metrics) as IPlatformMetrics : null;
}
