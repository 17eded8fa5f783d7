using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Platforms;

namespace Nexus.Api.Tests.Platforms;

/// <summary>The circuit every platform client shares: what opens it, and when a refused call should come back.</summary>
public sealed class PlatformCircuitTests
{
    public sealed class Client(HttpClient http)
    {
        public HttpClient Http { get; } = http;
    }

    /// <summary>The platform's side: answers every request with the next status of a script.</summary>
    private sealed class ScriptedPlatform(HttpStatusCode status) : HttpMessageHandler
    {
        public int Calls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            var response = new HttpResponseMessage(status);
            if (status == HttpStatusCode.TooManyRequests)
            {
                response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(60));
            }

            return Task.FromResult(response);
        }
    }

    private static (HttpClient Http, ScriptedPlatform Platform) ClientAnswering(HttpStatusCode status, TimeSpan breakDuration)
    {
        var platform = new ScriptedPlatform(status);
        var services = new ServiceCollection();
        services.AddPlatformHttpClient<Client, Client>(PlatformId.Sandbox, TimeSpan.FromSeconds(5), breakDuration)
            .ConfigurePrimaryHttpMessageHandler(() => platform);
        return (services.BuildServiceProvider().GetRequiredService<Client>().Http, platform);
    }

    // POST: the pipeline never repeats it, so each send is one call to count.
    private static Task<HttpResponseMessage> Publish(HttpClient http) => http.PostAsync("http://platform.test/posts", new StringContent("{}"));

    [Fact]
    public async Task rate_limits_do_not_open_the_circuit()
    {
        var (http, platform) = ClientAnswering(HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(5));
        for (var i = 0; i < 20; i++)
        {
            using var response = await Publish(http);
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        }

        Assert.Equal(20, platform.Calls);
    }

    [Fact]
    public async Task server_errors_open_it_and_a_refused_call_comes_back_when_it_may_close()
    {
        var breakDuration = TimeSpan.FromSeconds(5);
        var (http, platform) = ClientAnswering(HttpStatusCode.InternalServerError, breakDuration);
        for (var i = 0; i < 10; i++)
        {
            using var response = await Publish(http);
        }

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => Publish(http));
        Assert.True(PlatformHttp.IsCircuitOpen(refused));
        Assert.Equal(10, platform.Calls);

        var before = DateTimeOffset.UtcNow;
        var failure = PlatformErrors.FromTransport(PlatformId.Sandbox, refused, "Publishing", mayHavePublished: true, "The post");
        Assert.Equal(PlatformFailureKind.Transient, failure.Kind);
        Assert.NotNull(failure.RetryAt);
        Assert.InRange(failure.RetryAt.Value, before, DateTimeOffset.UtcNow + breakDuration);
        Assert.True(failure.RetryAt.Value > before + breakDuration - TimeSpan.FromSeconds(2), $"comes back at {failure.RetryAt} (now {before})");
    }
}
