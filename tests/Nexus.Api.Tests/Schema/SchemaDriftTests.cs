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
