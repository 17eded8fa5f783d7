using System.Text.Json;

namespace Nexus.Api.Infrastructure.TokenVault;

public static class TokenVaultSetup
{
    /// <summary>
    /// Registers the vault. Production must configure its keys (start-up fails otherwise); elsewhere a key is
    /// generated once into <see cref="TokenVaultOptions.DevelopmentKeyFile"/> so tokens survive restarts.
    /// </summary>
    public static IServiceCollection AddTokenVault(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var section = configuration.GetSection(TokenVaultOptions.Section);
        var options = services.AddOptions<TokenVaultOptions>().Bind(section);
        if (!section.GetSection(nameof(TokenVaultOptions.Keys)).GetChildren().Any())
        {
            if (environment.IsProduction())
            {
                throw new InvalidOperationException("Production needs Nexus:TokenVault:Keys: platform tokens are never stored unencrypted.");
            }

            options.PostConfigure(o => o.Keys = [DevelopmentKey(RepositoryPaths.Resolve(o.DevelopmentKeyFile))]);
        }

        services.AddSingleton<TokenVault>();
        return services;
    }

    private static TokenVaultKey DevelopmentKey(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            // CreateNew: of two processes starting at once, one writes and the other reads what it wrote.
            using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            var key = new TokenVaultKey { Id = "dev-" + DateTime.UtcNow.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture), Key = TokenVault.NewKey() };
            JsonSerializer.Serialize(file, key);
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    return JsonSerializer.Deserialize<TokenVaultKey>(File.ReadAllText(path))!;
                }
                // The writer still holds the file (FileShare.None) or has not finished writing it.
                catch (Exception ex) when ((ex is JsonException or IOException) && attempt < 40)
                {
                    Thread.Sleep(50);
                }
            }
        }
    }
}
