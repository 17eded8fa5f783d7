using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Infrastructure.Telemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Nexus.Api.Tests.Infrastructure.Telemetry;

public sealed class TelemetrySettingsTests
{
    private static TelemetrySettings From(params (string Key, string Value)[] settings) =>
        TelemetrySettings.From(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build());

    [Fact]
    public void telemetry_is_off_unless_asked_for()
    {
        Assert.False(From().On);
        Assert.True(From(("Nexus:Telemetry:Enabled", "true")).On);
        Assert.True(From(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317")).StandardOtlp);
        Assert.True(From(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317")).On);
    }

    [Fact]
    public void an_otlp_endpoint_of_ours_takes_its_protocol()
    {
        var grpc = From(("Nexus:Telemetry:OtlpEndpoint", "http://collector:4317"));
        Assert.Equal(new Uri("http://collector:4317"), grpc.OtlpEndpoint);
        Assert.Equal(OtlpExportProtocol.Grpc, grpc.Protocol);
        Assert.Equal(OtlpExportProtocol.HttpProtobuf, From(("Nexus:Telemetry:OtlpEndpoint", "http://collector:4318"), ("Nexus:Telemetry:OtlpProtocol", "http/protobuf")).Protocol);
    }

    [Fact]
    public void the_node_id_is_configured_or_names_the_host_and_process()
    {
        Assert.Equal("api-2", From(("Nexus:NodeId", "api-2")).NodeId);
        Assert.EndsWith($"-{Environment.ProcessId}", From().NodeId, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Nexus:Telemetry:OtlpEndpoint")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT")]
    public void with_an_otlp_endpoint_traces_metrics_and_logs_are_exported(string setting)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection([new(setting, "http://127.0.0.1:4317")]);
        builder.AddNexusTelemetry();
        using var services = builder.Services.BuildServiceProvider();

        Assert.NotNull(services.GetService<TracerProvider>());
        Assert.NotNull(services.GetService<MeterProvider>());
        Assert.NotNull(services.GetService<LoggerProvider>());
    }
}
