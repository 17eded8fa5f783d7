using JasperFx.OpenTelemetry;
using Marten;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Wolverine;

namespace Nexus.Api.Infrastructure.Telemetry;

/// <summary>
/// Settings <c>Nexus:Telemetry</c>. Telemetry is on when an OTLP endpoint is given (<see cref="OtlpEndpoint"/>, or the
/// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>) or <see cref="Enabled"/> is true (instrumentation with no exporter of
/// ours, for another exporter or the tests); otherwise nothing is registered and nothing listens.
/// </summary>
public sealed record TelemetrySettings(bool Enabled, Uri? OtlpEndpoint, OtlpExportProtocol Protocol, bool StandardOtlp, string NodeId)
{
    public const string Section = "Nexus:Telemetry";

    public const string ServiceName = "nexus-api";

    public bool On => Enabled || OtlpEndpoint is not null || StandardOtlp;

    public static TelemetrySettings From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var endpoint = section["OtlpEndpoint"] is { Length: > 0 } text ? new Uri(text, UriKind.Absolute) : null;
        var protocol = section["OtlpProtocol"] is "http/protobuf" or "HttpProtobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        return new(section.GetValue<bool>("Enabled"), endpoint, protocol, !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]),
            NodeIdOf(configuration));
    }

    /// <summary><c>Nexus:NodeId</c>, or the host name and process id: what tells one node's spans and metrics from another's.</summary>
    public static string NodeIdOf(IConfiguration configuration) =>
        configuration["Nexus:NodeId"] is { Length: > 0 } configured ? configured : $"{Environment.MachineName.ToLowerInvariant()}-{Environment.ProcessId}";
}

/// <summary>OpenTelemetry traces and metrics of the API, its HTTP clients, Npgsql, Marten, Wolverine and the product (<see cref="NexusMetrics"/>).</summary>
public static class TelemetrySetup
{
    /// <summary>Wolverine names its meter after the service (<c>Wolverine:{ServiceName}</c>); its spans come from "Wolverine".</summary>
    private static readonly string[] Meters = [NexusMetrics.MeterName, "Marten", "Wolverine:*"];

    private static readonly string[] Sources = ["Wolverine", "Marten"];

    public static WebApplicationBuilder AddNexusTelemetry(this WebApplicationBuilder builder)
    {
        // Every log line written inside a request or a handler names its trace: the console formatters print the
        // scopes, and the activity tracking puts TraceId and SpanId in them (with telemetry off too: ASP.NET Core
        // starts an activity per request whenever logging is on).
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.SimpleConsoleFormatterOptions>(o => o.IncludeScopes = true);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.JsonConsoleFormatterOptions>(o => o.IncludeScopes = true);

        var settings = TelemetrySettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        if (!settings.On)
        {
            return builder;
        }

        builder.Services.AddSingleton<IOperatorBacklog, DueUnpublishedPosts>();
        builder.Services.AddSingleton<IOperatorBacklog, TokenRefreshBacklog>();
        builder.Services.AddSingleton<NexusMetrics>();
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService(TelemetrySettings.ServiceName, serviceInstanceId: settings.NodeId, autoGenerateServiceInstanceId: false)
                .AddDetector(services => new WolverineNodeDetector(services)))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !IsProbe(http.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddSource(Sources))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter(Meters));
        if (settings.OtlpEndpoint is { } endpoint)
        {
            telemetry.UseOtlpExporter(settings.Protocol, endpoint);
        }
        else if (settings.StandardOtlp)
        {
            // Endpoint, protocol, headers and the rest from the standard OTEL_EXPORTER_OTLP_* variables.
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    // Load balancers ask several times a second; their spans would drown the requests of people.
    private static bool IsProbe(PathString path) => path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz");

    /// <summary>Wolverine's own id of this node (the one in its node table), beside <c>service.instance.id</c>.</summary>
    private sealed class WolverineNodeDetector(IServiceProvider services) : IResourceDetector
    {
        public Resource Detect() =>
            services.GetService<WolverineOptions>() is { } options
                ? new Resource([new KeyValuePair<string, object>("wolverine.node.id", options.UniqueNodeId.ToString())])
                : Resource.Empty;
    }
}

/// <summary>Marten's connection spans and event counters, only when telemetry is on (discovered like the areas' Marten setup).</summary>
public sealed class TelemetryMarten : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options)
    {
        // The gauges count these without reading the whole history of posts.
        options.Schema.For<Features.Posts.Post>().Index(p => p.Status);
        if (services.GetService<NexusMetrics>() is not { } metrics)
        {
            return;
        }

        options.OpenTelemetry.TrackConnections = TrackLevel.Normal;
        options.OpenTelemetry.TrackEventCounters();
        options.Listeners.Add(new PublishingOutcomes(metrics, services.GetRequiredService<ILogger<PublishingOutcomes>>()));
    }
}
