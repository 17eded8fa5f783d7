using Microsoft.AspNetCore.HttpOverrides;
using Nexus.Api;
using Nexus.Api.Features;
using Nexus.Api.Features.Accounts.SigningIn;
using Nexus.Api.Features.Accounts.SigningInWithProviders;
using Nexus.Api.Features.Analytics.Export;
using Nexus.Api.Features.Billing.Subscribing;
using Nexus.Api.Features.Connections.CompletingConnection;
using Nexus.Api.Features.EventStreams.Export;
using Nexus.Api.Features.Media.Serving;
using Nexus.Api.Features.Media.Uploading;
using Nexus.Api.Features.Storefront;
using Nexus.Api.Features.Webhooks;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Transport;
using Nexus.Api.Infrastructure;
using Nexus.Api.Infrastructure.Email;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Infrastructure.Realtime;
using Nexus.Api.Infrastructure.Telemetry;
using Nexus.Api.Infrastructure.TokenVault;
using Nexus.Api.Platforms;
using Nexus.Api.Platforms.Sandbox;

if (args is ["export-schema", var directory, ..])
{
    return await SchemaExport.RunAsync(args[2..], directory);
}

if (args is ["rebuild-projections", ..])
{
    return await Nexus.Api.Features.EventStreams.Rebuilding.ProjectionRebuild.RunCommandAsync(args[1..]);
}

if (args is ["rotate-token-keys", ..])
{
    return await Nexus.Api.Features.Connections.TokenKeyRotation.RunCommandAsync(args[1..]);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddNexusHost();
var app = builder.Build();
if (args is ["codegen", ..])
{
    // `./build.sh codegen`: writes Wolverine's handler code under Internal/Generated, compiled into the assembly and
    // loaded as is in Production (TypeLoadMode.Static) instead of being generated and compiled at start-up.
    return await JasperFx.CommandLineHostingExtensions.RunJasperFxCommands(app, args);
}

app.UseNexusHost();
await app.RunAsync();
return 0;

namespace Nexus.Api
{
    /// <summary>The composition root, shared by the program, the tests and the schema export.</summary>
    public static class Host
    {
        public static WebApplicationBuilder AddNexusHost(this WebApplicationBuilder builder)
        {
            builder.Logging.ClearProviders();
            if (builder.Environment.IsDevelopment())
            {
                builder.Logging.AddSimpleConsole(o => (o.SingleLine, o.TimestampFormat) = (true, "HH:mm:ss.fff "));
            }
            else
            {
                builder.Logging.AddJsonConsole(o => o.UseUtcTimestamp = true);
            }

            // Give in-flight requests and handlers time to finish on SIGTERM / Ctrl-C.
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
            builder.Services.AddSingleton<SchedulerStatus>();
            builder.Services.AddSingleton<StartupWork>();
            builder.Services.AddSingleton(TimeProvider.System);
            builder.Services.AddNexusValidators();
            builder.Services.AddNexusGraphQL(builder.Configuration);
            builder.Services.AddNexusRealtime();
            builder.AddNexusPersistence();
            builder.AddNexusTelemetry();
            builder.AddNexusHttpHardening();
            builder.AddNexusIdentity();
            builder.Services.AddNexusFeatures(builder.Configuration);
            builder.Services.AddNexusEmail(builder.Configuration);
            builder.Services.AddNexusRateLimits(builder.Configuration);
            builder.Services.AddHostedService<DemoData>();
            builder.Services.AddNexusPlatforms(builder.Configuration);
            builder.Services.AddTokenVault(builder.Configuration, builder.Environment);
            builder.Services.Configure<NexusUrls>(builder.Configuration.GetSection("Nexus"));
            builder.Services.AddListenAddressDefaults(builder.Configuration);
            return builder;
        }

        public static WebApplication UseNexusHost(this WebApplication app)
        {
            if (app.Configuration.GetValue<bool>("Nexus:ForwardedHeaders"))
            {
                // Behind a reverse proxy, the client's address and scheme arrive in X-Forwarded-*; rate limits
                // and redirect URIs need the real ones. Only enable this when a proxy always sets them.
                var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
                forwarded.KnownIPNetworks.Clear();
                forwarded.KnownProxies.Clear();
                app.UseForwardedHeaders(forwarded);
            }

            app.UseNexusHttpHardening();
            // First, so guessing on the sign-in doors is refused before any password is hashed.
            app.UseRateLimiter();
            app.UseAuthentication();
            app.UseAuthorization();
            app.UseNexusWebSockets();
            app.MapNexusHealth();
            app.MapHomePage();
            app.MapConnectEndpoints();
            app.MapLoginPage();
            app.MapExternalSignIn();
            app.MapSandbox();
            app.MapOAuthCallback();
            app.MapStripeWebhooks();
            app.MapOrderDownloads();
            app.MapPlatformWebhooks();
            app.MapAnalyticsExport();
            app.MapEventExport();
            app.MapMediaContent();
            app.MapMediaUploads();
            app.MapNexusGraphQL();
            return app;
        }
    }
}

/// <summary>Exposes the entry point to integration tests (WebApplicationFactory / Alba).</summary>
public partial class Program;
