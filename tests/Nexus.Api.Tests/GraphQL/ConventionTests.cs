using GraphQL.Types;
using GraphQLParser.AST;
using Microsoft.AspNetCore.Http;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;
using Nexus.Api.GraphQL.Transport;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.GraphQL;

public sealed class ConventionTests
{
    [Fact]
    public void global_ids_are_opaque_and_round_trip()
    {
        var id = Guid.CreateVersion7();
        var encoded = GlobalId.Encode("User", id);

        Assert.DoesNotContain(id.ToString("N"), encoded);
        Assert.True(GlobalId.TryParse(encoded, out var parsed));
        Assert.Equal(new GlobalId("User", id), parsed);
        Assert.True(GlobalId.TryParse(encoded, "User", out var local));
        Assert.Equal(id, local);
        Assert.False(GlobalId.TryParse(encoded, "Post", out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64 !")]
    [InlineData("VXNlcjpub3QtYS1ndWlk")]
    [InlineData("OjAxOWE0ZjU2Nzg5MDdhYmNkZWYwMTIzNDU2Nzg5YWJj")]
    public void malformed_global_ids_are_rejected(string value)
    {
        Assert.False(GlobalId.TryParse(value, out _));
    }

    [Theory]
    [InlineData("2026-03-29T01:30:00+01:00", "2026-03-29T00:30:00Z")]
    [InlineData("2026-03-29T00:30:00Z", "2026-03-29T00:30:00Z")]
    [InlineData("2026-10-25T02:30:00.250-04:00", "2026-10-25T06:30:00.25Z")]
    public void date_times_need_an_offset_and_serialize_in_utc(string input, string output)
    {
        var scalar = new DateTimeScalar();

        Assert.Equal(output, scalar.Serialize(scalar.ParseValue(input)));
    }

    [Theory]
    [InlineData("2026-03-29T01:30:00")]
    [InlineData("2026-03-29")]
    [InlineData("yesterday")]
    public void date_times_without_an_offset_are_refused(string input)
    {
        var scalar = new DateTimeScalar();

        Assert.ThrowsAny<FormatException>(() => scalar.ParseValue(input));
        Assert.ThrowsAny<FormatException>(() => scalar.ParseLiteral(new GraphQLStringValue(input)));
    }

    [Fact]
    public void a_date_time_without_an_offset_is_refused_with_a_message_that_says_so()
    {
        var refusal = Assert.Throws<FormatException>(() => new DateTimeScalar().ParseValue("2026-03-29T01:30:00"));

        Assert.Contains("no offset", refusal.Message);
        Assert.Contains("2026-03-29T01:30:00+01:00", refusal.Message);
    }

    [Theory]
    [InlineData("a\\0b")]
    [InlineData("\\u0001")]
    [InlineData("bell\\u0007")]
    [InlineData("\\u001b[31m")]
    [InlineData("\\u007f")]
    [InlineData("lone \\ud800 surrogate")]
    [InlineData("\\udc00")]
    public void control_characters_and_lone_surrogates_are_refused_in_text(string escaped)
    {
        var text = System.Text.RegularExpressions.Regex.Unescape(escaped);

        Assert.NotNull(TextInput.Problem(text));
        Assert.Throws<FormatException>(() => new SafeStringGraphType().ParseValue(text));
        Assert.Throws<FormatException>(() => new SafeIdGraphType().ParseLiteral(new GraphQLStringValue(text)));
    }

    [Theory]
    [InlineData("tab\\tline\\nreturn\\r")]
    [InlineData("emoji \\ud83d\\ude00 and ünïcödé")]
    [InlineData("")]
    public void tabs_line_breaks_and_paired_surrogates_are_text(string escaped)
    {
        var text = System.Text.RegularExpressions.Regex.Unescape(escaped);

        Assert.Null(TextInput.Problem(text));
        Assert.Equal(text, new SafeStringGraphType().ParseValue(text));
    }

    [Theory]
    [InlineData("Europe/Berlin", true)]
    [InlineData("America/New_York", true)]
    [InlineData("UTC", true)]
    [InlineData("W. Europe Standard Time", false)]
    [InlineData("+02:00", false)]
    [InlineData("Mars/Olympus_Mons", false)]
    public void time_zones_are_iana_ids(string id, bool valid)
    {
        Assert.Equal(valid, TimeZoneScalar.TryFind(id, out _));
        Assert.Equal(valid, Record.Exception(() => new TimeZoneScalar().ParseValue(id)) is null);
    }

    [Fact]
    public void a_page_holds_at_most_first_items_and_tells_whether_more_follow()
    {
        var rows = Enumerable.Range(1, 6).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();

        var page = Paging.ToConnection(rows, new PageRequest(5, null), row => row);

        Assert.Equal(["1", "2", "3", "4", "5"], page.Edges!.Select(e => e.Node));
        Assert.True(page.PageInfo!.HasNextPage);
        Assert.False(page.PageInfo.HasPreviousPage);
        Assert.True(Paging.TryDecodeCursor(page.PageInfo.EndCursor!, out var key));
        Assert.Equal("5", key);
    }

    [Fact]
    public void the_last_page_has_no_next_page()
    {
        var page = Paging.ToConnection(["a"], new PageRequest(5, "x"), row => row);

        Assert.False(page.PageInfo!.HasNextPage);
        Assert.True(page.PageInfo.HasPreviousPage);
    }

    [Theory]
    [InlineData("!!!")]
    [InlineData("eA")]
    public void foreign_cursors_are_rejected(string cursor)
    {
        Assert.False(Paging.TryDecodeCursor(cursor, out _));
    }

    [Theory]
    [InlineData("Email", new[] { "input", "email" })]
    [InlineData("Targets[2].Text", new[] { "input", "targets", "2", "text" })]
    [InlineData("Schedule.TimeZone", new[] { "input", "schedule", "timeZone" })]
    public void validation_failures_point_at_input_paths(string property, string[] path)
    {
        Assert.Equal(path, Mutations.InputPath(property));
    }

    [Fact]
    public void mutation_slices_declare_no_graph_types_of_their_own()
    {
        var types = typeof(NexusSchema).Assembly.GetTypes();
        var handWritten = types.Where(t => t is { IsAbstract: false } && typeof(IRootFields).IsAssignableFrom(t) &&
            t.IsDefined(typeof(MutationTypeAttribute), inherit: true) && !typeof(IMutationDeclaration).IsAssignableFrom(t));
        var slices = types.Where(t => t is { IsAbstract: false } && typeof(IMutationDeclaration).IsAssignableFrom(t)).Concat(handWritten)
            .Select(t => t.Namespace!).ToHashSet();
        var graphTypes = types.Where(t => typeof(IGraphType).IsAssignableFrom(t) && slices.Contains(t.Namespace!));

        var offenders = graphTypes.Concat(handWritten)
            .Select(t => t.FullName).Distinct().Order(StringComparer.Ordinal);

        Assert.Empty(offenders);
    }

    [Fact]
    public void the_readme_worked_example_is_the_rename_workspace_slice_as_it_is()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "README.md")).ReplaceLineEndings("\n");
        var section = readme[readme.IndexOf("### Adding a slice", StringComparison.Ordinal)..];
        var start = section.IndexOf("```csharp\n", StringComparison.Ordinal) + "```csharp\n".Length;
        var example = section[start..section.IndexOf("```", start, StringComparison.Ordinal)];
        var file = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "src", "Nexus.Api", "Features", "Workspaces", "RenamingWorkspace", "RenameWorkspace.cs"))
            .ReplaceLineEndings("\n");

        Assert.Equal(file, example);
        Assert.InRange(file.Split('\n').Length, 1, 45);
    }

    [Theory]
    [InlineData(null, GraphQLHttpEndpoint.GraphQLResponseJson)]
    [InlineData("*/*", GraphQLHttpEndpoint.GraphQLResponseJson)]
    [InlineData("application/json", "application/json")]
    [InlineData("application/json, application/graphql-response+json", GraphQLHttpEndpoint.GraphQLResponseJson)]
    [InlineData("application/graphql-response+json;q=0.5, application/json", "application/json")]
    [InlineData("text/html", null)]
    [InlineData("application/json;q=0", null)]
    public void the_response_type_follows_the_accept_header(string? accept, string? expected)
    {
        var http = new DefaultHttpContext();
        if (accept is not null)
        {
            http.Request.Headers.Accept = accept;
        }

        Assert.Equal(expected, GraphQLHttpEndpoint.NegotiateMediaType(http.Request));
    }
}
