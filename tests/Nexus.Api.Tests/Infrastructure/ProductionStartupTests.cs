using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace Nexus.Api.Tests.Infrastructure;

public sealed class ProductionStartupTests
{
    [Fact]
    public async Task production_refuses_to_start_without_token_keys()
    {
        var connection = await TestDatabase.CreateDatabaseAsync("prodkeys");
        try
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
            builder.Configuration["NEXUS_DB"] = connection;
            builder.WebHost.UseSetting("urls", "http://127.0.0.1:0");

            var failure = await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                builder.AddNexusHost();
                await using var app = builder.Build();
                app.UseNexusHost();
                await app.StartAsync();
                await app.StopAsync();
            });

            Assert.Contains("SigningCertificate", failure.ToString());
        }
        finally
        {
            await TestDatabase.DropDatabaseAsync(connection);
        }
    }
}
