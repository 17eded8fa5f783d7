using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Nexus.Api.Infrastructure.TokenVault;
using Nexus.Api.Platforms;

namespace Nexus.Api.Tests.Infrastructure.TokenVault;

public sealed class TokenVaultTests
{
    private static readonly OAuthTokens Tokens = new("access-secret-123", "refresh-secret-456", DateTimeOffset.UnixEpoch, null, ["a", "b"]);

    private static Nexus.Api.Infrastructure.TokenVault.TokenVault Vault(params (string Id, string Key)[] keys) =>
        new(Options.Create(new TokenVaultOptions { Keys = [.. keys.Select(k => new TokenVaultKey { Id = k.Id, Key = k.Key })] }));

    [Fact]
    public void a_sealed_secret_opens_for_its_owner_and_shows_no_plaintext()
    {
        var vault = Vault(("k1", Nexus.Api.Infrastructure.TokenVault.TokenVault.NewKey()));
        var owner = Guid.CreateVersion7();

        var sealedSecret = vault.Seal(owner, Tokens);

        Assert.Equal("k1", sealedSecret.KeyId);
        Assert.DoesNotContain("secret", sealedSecret.Payload, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Tokens.AccessToken, vault.Open<OAuthTokens>(owner, sealedSecret).AccessToken);
    }

    [Fact]
    public void a_sealed_secret_does_not_open_for_another_owner_or_when_tampered()
    {
        var vault = Vault(("k1", Nexus.Api.Infrastructure.TokenVault.TokenVault.NewKey()));
        var owner = Guid.CreateVersion7();
        var sealedSecret = vault.Seal(owner, Tokens);
        var bytes = Convert.FromBase64String(sealedSecret.Payload);
        bytes[^1] ^= 1;

        Assert.ThrowsAny<CryptographicException>(() => vault.Open<OAuthTokens>(Guid.CreateVersion7(), sealedSecret));
        Assert.ThrowsAny<CryptographicException>(() => vault.Open<OAuthTokens>(owner, sealedSecret with { Payload = Convert.ToBase64String(bytes) }));
    }

    [Fact]
    public void rotating_keys_reseals_under_the_first_key_and_old_secrets_still_open()
    {
        var oldKey = Nexus.Api.Infrastructure.TokenVault.TokenVault.NewKey();
        var owner = Guid.CreateVersion7();
        var before = Vault(("old", oldKey)).Seal(owner, Tokens);
        var rotated = Vault(("new", Nexus.Api.Infrastructure.TokenVault.TokenVault.NewKey()), ("old", oldKey));

        var resealed = rotated.Reseal<OAuthTokens>(owner, before);

        Assert.Equal("new", resealed.KeyId);
        Assert.Equal(Tokens.RefreshToken, rotated.Open<OAuthTokens>(owner, resealed).RefreshToken);
        Assert.Equal(Tokens.RefreshToken, rotated.Open<OAuthTokens>(owner, before).RefreshToken);
        Assert.Same(resealed, rotated.Reseal<OAuthTokens>(owner, resealed));
    }

    [Theory]
    [InlineData("", "AAAA")]
    [InlineData("k", "not base64!")]
    [InlineData("k", "AAAA")]
    public void malformed_keys_are_refused(string id, string key)
    {
        Assert.Throws<InvalidOperationException>(() => Vault((id, key)));
    }

    [Fact]
    public void production_refuses_to_start_without_keys()
    {
        var configuration = new ConfigurationBuilder().Build();

        Assert.Throws<InvalidOperationException>(() =>
            new ServiceCollection().AddTokenVault(configuration, new FakeEnvironment(Environments.Production)));
    }

    [Fact]
    public void development_generates_one_key_and_keeps_it()
    {
        var file = Path.Combine(Path.GetTempPath(), $"vault-{Guid.NewGuid():N}", "keys.json");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Nexus:TokenVault:DevelopmentKeyFile"] = file }).Build();
        string KeyOfNewProcess()
        {
            using var services = new ServiceCollection().AddTokenVault(configuration, new FakeEnvironment(Environments.Development)).BuildServiceProvider();
            return services.GetRequiredService<IOptions<TokenVaultOptions>>().Value.Keys.Single().Key;
        }

        Assert.Equal(KeyOfNewProcess(), KeyOfNewProcess());
        Assert.True(File.Exists(file));
    }

    [Fact]
    public async Task hosts_starting_at_once_on_a_fresh_checkout_all_read_the_one_generated_key()
    {
        for (var round = 0; round < 20; round++)
        {
            var file = Path.Combine(Path.GetTempPath(), $"vault-{Guid.NewGuid():N}", "keys.json");
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Nexus:TokenVault:DevelopmentKeyFile"] = file }).Build();
            using var start = new Barrier(8);
            var keys = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            {
                using var services = new ServiceCollection().AddTokenVault(configuration, new FakeEnvironment(Environments.Development)).BuildServiceProvider();
                start.SignalAndWait();
                return services.GetRequiredService<IOptions<TokenVaultOptions>>().Value.Keys.Single().Key;
            })));

            Assert.Single(keys.Distinct());
        }
    }

    private sealed class FakeEnvironment(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;

        public string ApplicationName { get; set; } = "Nexus.Api";

        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = null!;
    }
}
