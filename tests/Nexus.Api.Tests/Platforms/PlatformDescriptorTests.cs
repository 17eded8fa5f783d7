using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Platforms;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Platforms;

/// <summary>
/// The convention every platform follows: one descriptor; its option schema is exactly the generated GraphQL input
/// (checked against the exported schema, which SchemaDriftTests ties to the running one); publishers and rules read
/// options only through the schema's accessors, so a key the schema lacks cannot be read. That every declared option
/// reaches the platform's request is <see cref="OptionsThroughGraphQLTests"/>'s subject.
/// </summary>
public sealed partial class PlatformDescriptorTests
{
    [Fact]
    public void every_platform_has_exactly_one_descriptor()
    {
        Assert.Equal(Enum.GetValues<PlatformId>(), PlatformDescriptors.All.Select(d => d.Platform));
    }

    [Fact]
    public void each_platforms_generated_options_input_has_exactly_the_options_its_schema_declares()
    {
        var sdl = File.ReadAllText(System.IO.Path.Combine(RepositoryRoot.Path, "schema", "nexus.graphql"));
        var schemas = PlatformDescriptors.OptionSchemas.ToList();
        Assert.Equal(
            schemas.Select(s => $"{s.Field}: {s.TypeName}").Order(StringComparer.Ordinal),
            InputFields(sdl, "PostOptionsInput").Order(StringComparer.Ordinal));
        foreach (var schema in schemas)
        {
            Assert.Equal(
                schema.Options.Select(o => $"{o.Key}: {GraphQLType(o.Kind)}").Order(StringComparer.Ordinal),
                InputFields(sdl, schema.TypeName).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void option_keys_have_one_naming_style_camel_case()
    {
        Assert.All(PlatformDescriptors.OptionSchemas.SelectMany(s => s.Options), o => Assert.Matches("^[a-z][a-zA-Z0-9]*$", o.Key));
        Assert.Throws<ArgumentException>(() => new PlatformOptionSchema(PlatformId.X, "x", "XOptionsInput", "X").String("reply_to", "snake_case"));
    }

    [Fact]
    public void publishers_and_rules_read_options_only_through_their_schema()
    {
        var platforms = System.IO.Path.Combine(RepositoryRoot.Path, "src", "Nexus.Api", "Platforms");
        var offenders = Directory.EnumerateFiles(platforms, "*.cs", SearchOption.AllDirectories)
            .Where(f => System.IO.Path.GetFileName(f) != "PlatformOptionSchema.cs")
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: System.IO.Path.GetRelativePath(platforms, f), Line: i + 1, Text: line)))
            .Where(l => RawOptionRead().IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.True(offenders.Count == 0, "Read options through the platform's option schema:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void each_descriptor_resolves_its_own_clients_and_rules()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddNexusPlatforms(new ConfigurationBuilder().Build());
        using var provider = services.BuildServiceProvider();
        using var scope = provider.CreateScope();
        var clients = scope.ServiceProvider.GetRequiredService<PlatformClients>();
        var rules = scope.ServiceProvider.GetServices<IPlatformRules>().ToList();
        foreach (var descriptor in PlatformDescriptors.All)
        {
            Assert.IsType(descriptor.OAuthClient, clients.OAuth(descriptor.Platform));
            Assert.IsType(descriptor.Publisher, clients.Publisher(descriptor.Platform));
            Assert.IsType(descriptor.Rules, Assert.Single(rules, r => r.Platform == descriptor.Platform));
            Assert.Equal(descriptor.Platform, clients.OAuth(descriptor.Platform)!.Platform);
            Assert.Equal(descriptor.Platform, clients.Publisher(descriptor.Platform)!.Platform);
        }
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, PlatformFailureKind.RateLimited)]
    [InlineData(HttpStatusCode.ServiceUnavailable, PlatformFailureKind.Transient)]
    public async Task each_descriptors_error_map_classifies_what_every_platform_means_alike(HttpStatusCode status, PlatformFailureKind kind)
    {
        foreach (var descriptor in PlatformDescriptors.All)
        {
            using var response = new HttpResponseMessage(status) { Content = new StringContent("{}") };
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(60));

            var failure = await descriptor.ErrorOfAsync(response, DateTimeOffset.UnixEpoch, CancellationToken.None);

            Assert.Equal(descriptor.Platform, failure.Platform);
            Assert.True(failure.Kind == kind, $"{descriptor.Platform}: {failure.Kind}");
        }
    }

    private static string GraphQLType(PlatformOptionKind kind) => kind switch
    {
        PlatformOptionKind.Boolean => "Boolean",
        PlatformOptionKind.Int => "Int",
        PlatformOptionKind.StringList => "[String!]",
        _ => "String",
    };

    /// <summary>The <c>name: Type</c> lines of one input type in the SDL.</summary>
    private static IEnumerable<string> InputFields(string sdl, string typeName)
    {
        var start = sdl.IndexOf($"\ninput {typeName} {{\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"input {typeName} is not in the schema");
        var body = sdl[(sdl.IndexOf('{', start) + 1)..sdl.IndexOf("\n}", start, StringComparison.Ordinal)];
        return body.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('"'));
    }

    // A dictionary read of PublishRequest.Options (or handing the dictionary on) anywhere but in the accessors.
    [GeneratedRegex(@"\.Options\s*(\[|\.\s*(TryGetValue|GetValueOrDefault|ContainsKey|Keys|Values|Count|Where|Select|Any|First|ToDictionary)\b)|\b(request|post)\.Options\b")]
    private static partial Regex RawOptionRead();
}
