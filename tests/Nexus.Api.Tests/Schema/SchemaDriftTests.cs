using Nexus.Api.GraphQL;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Schema;

[Collection(ApiCollection.Name)]
public sealed class SchemaDriftTests(ApiFixture api)
{
    private const string Fix = "Run `./build.sh schema` and commit the result.";

    [Fact]
    public async Task schema_nexus_graphql_matches_the_running_schema()
    {
        var committed = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "schema", SchemaExport.SdlFile));

        Assert.True(committed == SchemaExport.Sdl(api.Host.Services), "schema/nexus.graphql is out of date. " + Fix);
    }

    [Fact]
    public async Task schema_possible_types_json_matches_the_running_schema()
    {
        var path = Path.Combine(RepositoryRoot.Path, "schema", SchemaExport.PossibleTypesFile);
        var committed = File.Exists(path) ? await File.ReadAllTextAsync(path) : "(missing)";

        Assert.True(committed == SchemaExport.PossibleTypes(api.Host.Services), "schema/possible-types.json is out of date. " + Fix);
    }

    [Fact]
    public void possible_types_list_every_error_type_under_error_and_every_mutation_error_union()
    {
        var map = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string[]>>(SchemaExport.PossibleTypes(api.Host.Services))!;

        Assert.Contains("ValidationError", map["Error"]);
        Assert.Contains("User", map["Node"]);
        Assert.Contains("ValidationError", map["SignUpError"]);
        Assert.All(map.Where(e => e.Key.EndsWith("Error", StringComparison.Ordinal) && e.Key != "Error"),
            union => Assert.All(union.Value, member => Assert.Contains(member, map["Error"])));
    }

    [Fact]
    public async Task schema_events_md_matches_the_event_types()
    {
        var committed = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "schema", SchemaExport.EventsFile));

        Assert.True(committed == SchemaExport.EventCatalogue(), "schema/events.md is out of date. " + Fix);
    }

    [Fact]
    public void every_event_type_is_documented()
    {
        var catalogue = SchemaExport.EventCatalogue();

        Assert.All(Nexus.Api.Infrastructure.Persistence.EventTypes, type =>
        {
            Assert.Contains("### " + type.Name, catalogue);
            Assert.DoesNotContain("(no description)", catalogue);
        });
    }
}
