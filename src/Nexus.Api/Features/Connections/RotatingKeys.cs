using Marten;
using Nexus.Api.Infrastructure.TokenVault;

namespace Nexus.Api.Features.Connections;

/// <summary>
/// Re-seals every stored secret under the vault's active (first) key, so an old key can then be removed from the
/// ring. Run after adding a new key first in <c>Nexus:TokenVault:Keys</c>:
/// <c>dotnet run --project src/Nexus.Api -- rotate-token-keys</c>. Safe to run again; already-current secrets are
/// left alone.
/// </summary>
public static class TokenKeyRotation
{
    public sealed record Report(int Connections, int Choices, int Attempts);

    public static async Task<Report> RunAsync(IDocumentStore store, TokenVault vault, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var connections = 0;
        foreach (var secrets in await session.Query<ConnectionSecrets>().Where(s => s.Tokens.KeyId != vault.ActiveKeyId).ToListAsync(ct))
        {
            session.Store(secrets with { Tokens = vault.Reseal<ConnectionTokens>(secrets.Id, secrets.Tokens) });
            connections++;
        }

        var choices = 0;
        foreach (var choice in await session.Query<AccountChoice>().Where(c => c.Grant.KeyId != vault.ActiveKeyId).ToListAsync(ct))
        {
            session.Store(choice with { Grant = vault.Reseal<ChoiceSecrets>(choice.Id, choice.Grant) });
            choices++;
        }

        var attempts = 0;
        foreach (var attempt in await session.Query<ConnectionAttempt>().Where(a => a.CodeVerifier != null && a.CodeVerifier.KeyId != vault.ActiveKeyId).ToListAsync(ct))
        {
            session.Store(attempt with { CodeVerifier = vault.Reseal<string>(attempt.Id, attempt.CodeVerifier!) });
            attempts++;
        }

        await session.SaveChangesAsync(ct);
        return new Report(connections, choices, attempts);
    }

    /// <summary>The <c>rotate-token-keys</c> command.</summary>
    public static async Task<int> RunCommandAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddNexusHost();
        await using var app = builder.Build();
        var report = await RunAsync(app.Services.GetRequiredService<IDocumentStore>(), app.Services.GetRequiredService<TokenVault>(), CancellationToken.None);
        await Console.Out.WriteLineAsync(
            $"re-sealed under key '{app.Services.GetRequiredService<TokenVault>().ActiveKeyId}': {report.Connections} connections, {report.Choices} pending choices, {report.Attempts} pending consents");
        return 0;
    }
}
