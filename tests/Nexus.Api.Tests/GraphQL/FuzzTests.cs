using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nexus.Api.Tests.Features.Connections;
using Nexus.Api.Tests.Features.Posts;
using Nexus.Api.Tests.Features.Workspaces;
using Nexus.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Nexus.Api.Tests.GraphQL;

/// <summary>
/// A schema-driven fuzzer: every root query and mutation field, found by introspection, is called with valid
/// arguments built from the introspected types, then with one argument slot at a time replaced by the classic bad
/// values (control characters, lone surrogates, very long strings, huge and odd numbers, ids of every wrong kind),
/// and with documents and variables nested far too deep. No answer may be a 500 or carry <c>INTERNAL</c>.
/// The caller owns a workspace with a sandbox connection and a post, so valid ids reach the resolvers.
/// </summary>
/// <summary>A host of its own: the fuzzer's hundreds of mutations leave emails and jobs that would keep a shared host busy.</summary>
public sealed class FuzzFixture : ApiFixture
{
    protected override string Purpose => "fuzz";
}

public sealed class FuzzTests(FuzzFixture api, ITestOutputHelper output) : IClassFixture<FuzzFixture>
{
    private const string Slot = "@@slot@@";

    /// <summary>
    /// Cases that fail because of a defect outside the GraphQL layer, left for the slice that owns it:
    /// <c>"field"</c> or <c>"field input.path"</c> → why. Every entry is a bug to fix, not a behaviour to keep.
    /// </summary>
    private static readonly Dictionary<string, string> KnownDefects = new(StringComparer.Ordinal)
    {
    };

    private const string Introspection = """
        {
          __schema {
            queryType { name } mutationType { name }
            types {
              kind name
              fields { name args { name type { ...T } } type { ...T } }
              inputFields { name type { ...T } }
              enumValues { name }
            }
          }
        }
        fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }
        """;

    private Dictionary<string, JsonElement> _types = [];
    private Ids _ids = null!;

    [Fact]
    public async Task no_root_field_answers_500_or_internal_to_the_classic_fuzzer_cases()
    {
        var owner = await api.Host.PersonAsync("Fuzzer");
        var workspace = await api.Host.CreateWorkspaceAsync(owner);
        var connection = await api.Host.ConnectSandboxAsync(owner, workspace);
        var post = await api.Host.DraftAsync(owner, workspace, "fuzzed post", connection);
        var target = (await api.Host.PostAsync(owner, post)).GetProperty("targets")[0].GetProperty("id").GetString()!;
        var discarded = await api.Host.DraftAsync(owner, workspace, "discarded post", connection);
        await api.Host.PostMutationAsync(owner, "discardPost", new { postId = discarded });
        var stranger = await api.Host.PersonAsync("Stranger");
        var foreignWorkspace = await api.Host.CreateWorkspaceAsync(stranger, "Elsewhere");
        _ids = new Ids(workspace, post, connection, target, owner.UserId, [discarded, foreignWorkspace, stranger.UserId]);

        var schema = (await api.Host.QueryAsync(Introspection)).GetProperty("__schema");
        _types = schema.GetProperty("types").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!, StringComparer.Ordinal);

        using var http = api.Host.Server.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", owner.Token);
        http.DefaultRequestHeaders.Accept.ParseAdd("application/graphql-response+json");

        var fields = new List<(string Operation, JsonElement Field)>();
        foreach (var (operation, root) in new[] { ("query", "queryType"), ("mutation", "mutationType") })
        {
            var rootType = _types[schema.GetProperty(root).GetProperty("name").GetString()!];
            fields.AddRange(rootType.GetProperty("fields").EnumerateArray().Select(field => (operation, field)));
        }

        // Fields side by side, each field's cases in order: most time is spent waiting on PostgreSQL.
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var sent = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(fields, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (entry, _) =>
        {
            foreach (var (name, body) in Cases(entry.Operation, entry.Field))
            {
                if (KnownDefects.ContainsKey(name) || KnownDefects.ContainsKey(name.Split(' ')[0]))
                {
                    continue;
                }

                Interlocked.Increment(ref sent);
                var (status, failure) = await SendAsync(http, body);
                if (failure is not null)
                {
                    failures.Enqueue($"{name}: {failure}");
                }

                if (name == entry.Field.GetProperty("name").GetString())
                {
                    // The valid call: when it is refused before running, the bad values never reach the resolver either.
                    output.WriteLine($"{name}: valid call answered {status}");
                }
            }
        });

        output.WriteLine($"{sent} requests in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} cases failed:\n" + string.Join("\n", failures.Take(60)));
    }

    private static async Task<(int Status, string? Failure)> SendAsync(HttpClient http, string body)
    {
        try
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(new Uri("/graphql", UriKind.Relative), content);
            var text = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            return (status, status >= 500 || text.Contains("\"INTERNAL\"", StringComparison.Ordinal)
                ? $"{status} {text[..Math.Min(text.Length, 400)]}"
                : null);
        }
        catch (HttpRequestException ex)
        {
            return (0, ex.ToString()[..400]);
        }
    }

    /// <summary>The requests for one field: named <c>"field"</c> or <c>"field path = value"</c>, with their JSON bodies.</summary>
    private IEnumerable<(string Name, string Body)> Cases(string operation, JsonElement field)
    {
        var fieldName = field.GetProperty("name").GetString()!;
        var args = field.GetProperty("args").EnumerateArray().ToList();
        var declarations = string.Join(", ", args.Select(a => $"${a.GetProperty("name").GetString()}: {Print(a.GetProperty("type"))}"));
        var passing = string.Join(", ", args.Select(a => $"{a.GetProperty("name").GetString()}: ${a.GetProperty("name").GetString()}"));
        var selection = Selection(Named(field.GetProperty("type")), 1);
        var document = args.Count == 0
            ? $"{operation} {{ {fieldName} {selection} }}"
            : $"{operation} ({declarations}) {{ {fieldName}({passing}) {selection} }}";

        var variables = new JsonObject();
        var slots = new List<(List<object> Path, JsonElement Type)>();
        foreach (var arg in args)
        {
            var name = arg.GetProperty("name").GetString()!;
            variables[name] = Valid(arg.GetProperty("type"), name, fieldName, 0);
            Walk(variables[name], arg.GetProperty("type"), [name], slots);
        }

        yield return (fieldName, Body(document, variables.ToJsonString()));

        foreach (var (path, type) in slots)
        {
            foreach (var bad in BadValues(type))
            {
                var copy = (JsonObject)variables.DeepClone();
                Replace(copy, path, Slot);
                var text = copy.ToJsonString().Replace($"\"{Slot}\"", bad, StringComparison.Ordinal);
                yield return ($"{fieldName} {string.Join('.', path)} = {Shorten(bad)}", Body(document, text));
            }
        }

        if (args.Count > 0)
        {
            var first = args[0].GetProperty("name").GetString()!;
            var deepList = string.Concat(Enumerable.Repeat("[", 300)) + "1" + new string(']', 300);
            yield return ($"{fieldName} deep list literal", Body($"{operation} {{ {fieldName}({first}: {deepList}) {selection} }}", "{}"));
            var deepJson = string.Concat(Enumerable.Repeat("{\"a\":", 300)) + "1" + new string('}', 300);
            var nested = (JsonObject)variables.DeepClone();
            nested[first] = Slot;
            yield return ($"{fieldName} deep variable", Body(document, nested.ToJsonString().Replace($"\"{Slot}\"", deepJson, StringComparison.Ordinal)));
        }

        var deepSelection = string.Concat(Enumerable.Repeat("{ a ", 80)) + "{ b }" + new string('}', 80);
        yield return ($"{fieldName} deep selection", Body($"{operation} {{ {fieldName} {deepSelection} }}", "{}"));
    }

    private static string Body(string query, string variables) =>
        $"{{\"query\":{JsonSerializer.Serialize(query)},\"variables\":{variables}}}";

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";

    /// <summary>Bad values as raw JSON, for a slot of the given type.</summary>
    private IEnumerable<string> BadValues(JsonElement typeRef)
    {
        var named = Named(typeRef);
        var kind = named.GetProperty("kind").GetString();
        if (kind is "INPUT_OBJECT" || typeRef.GetProperty("kind").GetString() is "LIST" ||
            (typeRef.GetProperty("kind").GetString() is "NON_NULL" && typeRef.GetProperty("ofType").GetProperty("kind").GetString() is "LIST"))
        {
            return ["null", "\"x\"", "[]"];
        }

        if (kind is "ENUM")
        {
            return ["\"NOT_A_VALUE\"", "\"\"", "1", "null"];
        }

        string[] text = ["\"a\\u0000b\"", "\"\\u001b\\u007f\"", "\"x\\udfff\"", "\"\"", $"\"{new string('x', 100_001)}\"", "null"];
        return named.GetProperty("name").GetString() switch
        {
            "Int" => ["9223372036854775808", "1e309", "-0", "\"NaN\"", "-2147483648", "-1", "1.5"],
            "Float" => ["1e309", "-1e309", "-0", "\"NaN\"", "\"Infinity\"", "null"],
            "Boolean" => ["\"true\"", "0", "null"],
            "ID" => [.. text, "\"!!!\"", $"\"{Convert.ToBase64String(Encoding.UTF8.GetBytes("Post:not-a-guid"))}\"",
                $"\"{Convert.ToBase64String(Encoding.UTF8.GetBytes($"Nope:{Guid.Empty}"))}\"", .. _ids.Wrong.Select(id => $"\"{id}\"")],
            "DateTime" => ["\"2030-01-01T09:00:00\"", "\"9999-12-31T23:59:59+14:00\"", "\"0001-01-01T00:00:00-14:00\"", "\"2030-02-30T00:00:00Z\"", "0"],
            "TimeZone" => ["\"Mars/Olympus_Mons\"", "\"+02:00\"", "\"a\\u0000b\"", "\"\""],
            _ => text,
        };
    }

    /// <summary>A valid value for an argument or input field, chosen by type and, for ids and some strings, by name.</summary>
    private JsonNode? Valid(JsonElement typeRef, string name, string fieldName, int depth)
    {
        switch (typeRef.GetProperty("kind").GetString())
        {
            case "NON_NULL":
                return Valid(typeRef.GetProperty("ofType"), name, fieldName, depth);
            case "LIST":
                return new JsonArray(Valid(typeRef.GetProperty("ofType"), name, fieldName, depth));
            case "ENUM":
                return _types[typeRef.GetProperty("name").GetString()!].GetProperty("enumValues")[0].GetProperty("name").GetString();
            case "INPUT_OBJECT":
                var value = new JsonObject();
                foreach (var inputField in _types[typeRef.GetProperty("name").GetString()!].GetProperty("inputFields").EnumerateArray())
                {
                    var required = inputField.GetProperty("type").GetProperty("kind").GetString() == "NON_NULL";
                    if (required || depth < 2)
                    {
                        var fieldNameOf = inputField.GetProperty("name").GetString()!;
                        value[fieldNameOf] = Valid(inputField.GetProperty("type"), fieldNameOf, fieldName, depth + 1);
                    }
                }

                return value;
        }

        var lower = name.ToLowerInvariant();
        return typeRef.GetProperty("name").GetString() switch
        {
            "ID" => _ids.For(lower == "id" ? fieldName.ToLowerInvariant() : lower),
            "Int" => lower.Contains("version", StringComparison.Ordinal) ? 1 : 5,
            "Float" => 1.5,
            "Boolean" => false,
            "DateTime" => DateTimeOffset.UtcNow.AddDays(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            "TimeZone" => "Europe/Berlin",
            _ when lower.Contains("email", StringComparison.Ordinal) => $"fuzz-{Guid.NewGuid():N}@example.com",
            _ when lower.Contains("password", StringComparison.Ordinal) => "Fuzzing-Passw0rd-Long!",
            _ when lower.Contains("url", StringComparison.Ordinal) => "https://example.com/a.png",
            _ when lower.Contains("timezone", StringComparison.Ordinal) => "Europe/Berlin",
            _ when lower.Contains("localtime", StringComparison.Ordinal) => "2030-01-02T09:00",
            _ => "fuzz",
        };
    }

    /// <summary>Collects every slot of a valid value: leaves, and input objects and lists as wholes.</summary>
    private void Walk(JsonNode? value, JsonElement typeRef, List<object> path, List<(List<object>, JsonElement)> slots)
    {
        slots.Add((path, typeRef));
        var inner = typeRef.GetProperty("kind").GetString() == "NON_NULL" ? typeRef.GetProperty("ofType") : typeRef;
        if (inner.GetProperty("kind").GetString() == "LIST" && value is JsonArray { Count: > 0 } list)
        {
            Walk(list[0], inner.GetProperty("ofType"), [.. path, 0], slots);
        }
        else if (inner.GetProperty("kind").GetString() == "INPUT_OBJECT" && value is JsonObject obj)
        {
            var fields = _types[inner.GetProperty("name").GetString()!].GetProperty("inputFields").EnumerateArray()
                .ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("type"), StringComparer.Ordinal);
            foreach (var (key, child) in obj.ToList())
            {
                Walk(child, fields[key], [.. path, key], slots);
            }
        }
    }

    private static void Replace(JsonObject root, List<object> path, string value)
    {
        JsonNode parent = root;
        for (var i = 0; i < path.Count - 1; i++)
        {
            parent = path[i] is int index ? parent[index]! : parent[(string)path[i]]!;
        }

        if (path[^1] is int last)
        {
            parent[last] = value;
        }
        else
        {
            parent[(string)path[^1]] = value;
        }
    }

    /// <summary>What to select on a field's type: <c>__typename</c>, its scalars, and one level of objects below.</summary>
    private string Selection(JsonElement named, int depth)
    {
        var type = _types[named.GetProperty("name").GetString()!];
        var kind = type.GetProperty("kind").GetString();
        if (kind is "SCALAR" or "ENUM")
        {
            return "";
        }

        var parts = new List<string> { "__typename" };
        if (kind is "OBJECT" or "INTERFACE")
        {
            foreach (var field in type.GetProperty("fields").EnumerateArray())
            {
                if (field.GetProperty("args").EnumerateArray().Any(a => a.GetProperty("type").GetProperty("kind").GetString() == "NON_NULL"))
                {
                    continue;
                }

                var child = Named(field.GetProperty("type"));
                var childKind = _types[child.GetProperty("name").GetString()!].GetProperty("kind").GetString();
                if (childKind is "SCALAR" or "ENUM")
                {
                    parts.Add(field.GetProperty("name").GetString()!);
                }
                else if (depth < 2)
                {
                    parts.Add(field.GetProperty("name").GetString() + " " + Selection(child, depth + 1));
                }
            }
        }

        return "{ " + string.Join(" ", parts) + " }";
    }

    private static JsonElement Named(JsonElement typeRef) =>
        typeRef.GetProperty("kind").GetString() is "NON_NULL" or "LIST" ? Named(typeRef.GetProperty("ofType")) : typeRef;

    private static string Print(JsonElement typeRef) => typeRef.GetProperty("kind").GetString() switch
    {
        "NON_NULL" => Print(typeRef.GetProperty("ofType")) + "!",
        "LIST" => "[" + Print(typeRef.GetProperty("ofType")) + "]",
        _ => typeRef.GetProperty("name").GetString()!,
    };

    /// <summary>The fuzzer's own objects (valid ids) and ids of the wrong kind: a discarded post, another's workspace, a user.</summary>
    private sealed record Ids(string Workspace, string Post, string Connection, string Target, string User, string[] Wrong)
    {
        public string For(string name) =>
            name.Contains("workspace", StringComparison.Ordinal) ? Workspace
            : name.Contains("connection", StringComparison.Ordinal) ? Connection
            : name.Contains("target", StringComparison.Ordinal) ? Target
            : name.Contains("member", StringComparison.Ordinal) || name.Contains("user", StringComparison.Ordinal) ? User
            : Post;
    }
}
