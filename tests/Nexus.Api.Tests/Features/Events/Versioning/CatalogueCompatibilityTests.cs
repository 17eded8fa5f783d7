using System.ComponentModel;
using JasperFx;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.EventStreams.Versioning;
using Nexus.Api.GraphQL;
using Nexus.Api.Infrastructure;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Events.Versioning;

// Two versions of an event type that exist only here, to prove the mechanism on a store of their own.
[Description("A note was taken (version 1: text only).")]
public sealed record NoteTaken(Guid NoteId, string Text);

[Description("A note was taken, in a language.")]
public sealed record NoteTakenV2(Guid NoteId, string Body, string Language) : IDomainEvent;

[Collection(ApiCollection.Name)]
public sealed class CatalogueCompatibilityTests(ApiFixture api)
{
    private static readonly Upcaster<NoteTaken, NoteTakenV2> NoteUpcaster = new(old => new NoteTakenV2(old.NoteId, old.Text, "und"));

    [Fact]
    public async Task the_code_keeps_every_event_type_of_the_committed_catalogue()
    {
        var committed = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "schema", SchemaExport.EventsFile));

        Assert.Empty(CatalogueCompatibility.Problems(CatalogueCompatibility.Parse(committed), EventVersions.Entries(Persistence.EventTypes, EventVersions.Upcasters)));
    }

    [Fact]
    public void the_catalogue_states_the_names_marten_stores_events_under()
    {
        var events = (Marten.Events.EventGraph)((DocumentStore)api.Host.Services.GetRequiredService<IDocumentStore>()).Options.Events;
        var catalogue = CatalogueCompatibility.Parse(SchemaExport.EventCatalogue());

        Assert.All(Persistence.EventTypes, type =>
        {
            var entry = Assert.Single(catalogue, e => e.Name == type.Name);
            Assert.Equal(events.EventMappingFor(type).EventTypeName, entry.StoredName);
            Assert.Equal(1, entry.Version);
        });
    }

    [Fact]
    public void an_added_field_is_compatible_and_a_removed_renamed_or_retyped_one_is_not()
    {
        CatalogueEntry Note(params (string Name, string Type)[] fields) =>
            new(null, "NoteTaken", "note_taken", 1, null, [.. fields.Select(f => new CatalogueField(f.Name, f.Type))]);
        var landed = Note(("NoteId", "Guid"), ("Text", "String"));

        Assert.Empty(CatalogueCompatibility.Problems([landed], [Note(("NoteId", "Guid"), ("Text", "String"), ("Pinned", "Boolean?"))]));
        Assert.Contains("NoteTaken.Text was removed or renamed", Assert.Single(CatalogueCompatibility.Problems([landed], [Note(("NoteId", "Guid"))])));
        Assert.Contains("NoteTaken.Text was removed or renamed", Assert.Single(CatalogueCompatibility.Problems([landed], [Note(("NoteId", "Guid"), ("Body", "String"))])));
        Assert.Contains("NoteTaken.Text changed from String to Int32", Assert.Single(CatalogueCompatibility.Problems([landed], [Note(("NoteId", "Guid"), ("Text", "Int32"))])));
    }

    [Fact]
    public void a_changed_type_is_compatible_only_as_a_new_version_with_an_upcaster_from_the_old()
    {
        var landed = EventVersions.Entries([typeof(NoteTaken)], []);

        var replaced = CatalogueCompatibility.Problems(landed, EventVersions.Entries([typeof(NoteTakenV2)], []));
        var upcast = EventVersions.Entries([typeof(NoteTakenV2)], [NoteUpcaster]);

        Assert.Contains("NoteTaken (stored as `note_taken`) is gone", Assert.Single(replaced));
        Assert.Empty(CatalogueCompatibility.Problems(landed, upcast));
        var catalogue = CatalogueCompatibility.Parse(SchemaExport.EventCatalogue(upcast));
        Assert.Equal(("note_taken_v2", 2, (string?)null), catalogue.Single(e => e.Name == "NoteTakenV2") is var v2 ? (v2.StoredName, v2.Version, v2.UpcastTo) : default);
        Assert.Equal(("note_taken", 1, "NoteTakenV2"), catalogue.Single(e => e.Name == "NoteTaken") is var v1 ? (v1.StoredName, v1.Version, v1.UpcastTo) : default);
    }

    [Fact]
    public async Task events_stored_as_the_old_version_are_read_as_the_new_one()
    {
        var connectionString = await TestDatabase.CreateDatabaseAsync("upcast");
        try
        {
            var stream = Guid.CreateVersion7();
            using (var before = Store(connectionString, options => options.Events.AddEventType<NoteTaken>()))
            {
                await using var session = before.LightweightSession();
                session.Events.StartStream(stream, new NoteTaken(stream, "written as version 1"));
                await session.SaveChangesAsync();
            }

            using var after = Store(connectionString, options =>
            {
                options.Events.AddEventType<NoteTakenV2>();
                NoteUpcaster.Register(options);
            });
            await using (var session = after.LightweightSession())
            {
                session.Events.Append(stream, new NoteTakenV2(stream, "written as version 2", "en"));
                await session.SaveChangesAsync();
            }

            await using var query = after.QuerySession();
            var events = await query.Events.FetchStreamAsync(stream);

            Assert.Equal([new NoteTakenV2(stream, "written as version 1", "und"), new NoteTakenV2(stream, "written as version 2", "en")], events.Select(e => e.Data));
            Assert.Equal(["note_taken", "note_taken_v2"], events.Select(e => e.EventTypeName));
        }
        finally
        {
            await TestDatabase.DropDatabaseAsync(connectionString);
        }
    }

    private static DocumentStore Store(string connectionString, Action<StoreOptions> configure) =>
        DocumentStore.For(options =>
        {
            options.Connection(connectionString);
            options.DatabaseSchemaName = "upcasting";
            options.AutoCreateSchemaObjects = AutoCreate.All;
            configure(options);
        });
}
