using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Nexus.Bench;

/// <summary>A signed-in bench user: their tokens, workspace and sandbox connection.</summary>
public sealed record BenchUser(int Index, string Email, string AccessToken, string WorkspaceId, string ConnectionId);

/// <summary>Speaks to the API over HTTP only, the way a client and a browser would.</summary>
public sealed partial class NexusClient : IDisposable
{
    public const string Password = "bench correct horse battery staple";

    private readonly HttpClient _http;

    public NexusClient(ApiConfiguration configuration, Uri? baseUrl = null)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            MaxConnectionsPerServer = 1024,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        _http = new HttpClient(handler) { BaseAddress = baseUrl ?? configuration.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.Accept.ParseAdd("application/graphql-response+json");
        _http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        if (configuration.ForwardedHttps)
        {
            _http.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        }
    }

    /// <summary>Runs a GraphQL operation; top-level errors and non-200 answers throw.</summary>
    public async Task<JsonElement> GraphQLAsync(string? accessToken, string query, object? variables = null, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { query, variables }), Encoding.UTF8, "application/json"),
        };
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        using var response = await _http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new GraphQLException($"HTTP {(int)response.StatusCode}: {Truncate(text)}", null);
        }

        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        if (root.TryGetProperty("errors", out var errors) && errors.GetArrayLength() > 0)
        {
            var code = errors[0].TryGetProperty("extensions", out var ext) && ext.TryGetProperty("code", out var c) ? c.GetString() : null;
            throw new GraphQLException($"GraphQL errors: {Truncate(errors.GetRawText())}", code);
        }

        return root.GetProperty("data").Clone();
    }

    /// <summary>Runs a mutation and returns its payload; payload <c>errors</c> throw.</summary>
    public async Task<JsonElement> MutateAsync(string accessToken, string field, string query, object input, CancellationToken ct = default)
    {
        var payload = (await GraphQLAsync(accessToken, query, new { input }, ct)).GetProperty(field);
        if (payload.TryGetProperty("errors", out var errors) && errors.GetArrayLength() > 0)
        {
            var first = errors[0];
            throw new GraphQLException($"{field}: {Truncate(errors.GetRawText())}", first.TryGetProperty("code", out var code) ? code.GetString() : null);
        }

        return payload;
    }

    public async Task<string> SignUpAsync(string email, string displayName, CancellationToken ct = default)
    {
        var data = await GraphQLAsync(null,
            "mutation ($input: SignUpInput!) { signUp(input: $input) { user { id } errors { __typename ... on Error { code message } } } }",
            new { input = new { email, password = Password, displayName } }, ct);
        var payload = data.GetProperty("signUp");
        if (payload.GetProperty("errors").GetArrayLength() > 0)
        {
            throw new BenchException($"signUp failed: {payload.GetProperty("errors").GetRawText()}");
        }

        return payload.GetProperty("user").GetProperty("id").GetString()!;
    }

    /// <summary>The password grant of the <c>nexus-cli</c> client on <c>/connect/token</c>.</summary>
    public async Task<string> PasswordGrantAsync(string email, CancellationToken ct = default)
    {
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["client_id"] = "nexus-cli",
            ["username"] = email,
            ["password"] = Password,
            ["scope"] = "openid offline_access nexus",
        });
        using var response = await _http.PostAsync("/connect/token", content, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new BenchException($"password grant failed: HTTP {(int)response.StatusCode}: {Truncate(text)}");
        }

        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("access_token").GetString()!;
    }

    public async Task<string> CreateWorkspaceAsync(string accessToken, string name, CancellationToken ct = default)
    {
        var payload = await MutateAsync(accessToken, "createWorkspace",
            "mutation ($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { workspace { id } errors { __typename ... on Error { code message } } } }",
            new { name, timeZone = "Europe/Berlin" }, ct);
        return payload.GetProperty("workspace").GetProperty("id").GetString()!;
    }

    /// <summary>
    /// Connects the sandbox like a browser: startConnection → the consent page → Allow → the platform's redirect to
    /// Nexus's callback → Nexus's redirect to the frontend, whose query names the new connection.
    /// </summary>
    public async Task<string> ConnectSandboxAsync(string accessToken, string workspaceId, CancellationToken ct = default)
    {
        var payload = await MutateAsync(accessToken, "startConnection",
            "mutation ($input: StartConnectionInput!) { startConnection(input: $input) { authorizationUrl errors { __typename ... on Error { code message } } } }",
            new { workspaceId, platform = "SANDBOX" }, ct);
        var authorizationUrl = new Uri(payload.GetProperty("authorizationUrl").GetString()!);

        // Nexus's begin link binds the attempt to this client with a cookie, then sends it on to the consent page;
        // the callback only completes for the client that shows that cookie.
        using var begin = await _http.GetAsync(authorizationUrl.PathAndQuery, ct);
        var consentUrl = begin.Headers.Location ?? throw new BenchException($"begin link: HTTP {(int)begin.StatusCode} without a redirect");
        var binding = begin.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies.First().Split(';')[0]
            : throw new BenchException($"begin link: no binding cookie (redirected to {consentUrl})");

        using var page = await _http.GetAsync(consentUrl.IsAbsoluteUri ? consentUrl.PathAndQuery : consentUrl.ToString(), ct);
        var html = await page.Content.ReadAsStringAsync(ct);
        if (page.StatusCode != HttpStatusCode.OK)
        {
            throw new BenchException($"sandbox consent page: HTTP {(int)page.StatusCode}: {Truncate(html)}");
        }

        var form = HiddenInput().Matches(html).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));
        form["decision"] = "approve";
        using var decision = await _http.PostAsync("/sandbox/oauth/authorize", new FormUrlEncodedContent(form), ct);
        var callback = decision.Headers.Location ?? throw new BenchException($"sandbox consent: HTTP {(int)decision.StatusCode} without a redirect");

        using var back = new HttpRequestMessage(HttpMethod.Get, callback.IsAbsoluteUri ? callback.PathAndQuery : callback.ToString());
        back.Headers.Add("Cookie", binding);
        using var completed = await _http.SendAsync(back, ct);
        var frontend = completed.Headers.Location ?? throw new BenchException($"OAuth callback: HTTP {(int)completed.StatusCode} without a redirect");
        var query = ParseQuery(frontend.Query);
        if (query.GetValueOrDefault("outcome") != "connected" || !query.TryGetValue("connections", out var connections))
        {
            throw new BenchException($"connecting the sandbox ended with {frontend}");
        }

        return connections.Split(',')[0];
    }

    /// <summary>Signs up a fresh user, signs in, creates a workspace and connects the sandbox to it.</summary>
    public async Task<BenchUser> NewUserAsync(string runId, int index, CancellationToken ct = default)
    {
        var email = $"bench-{runId}-{index:D3}@example.com";
        await SignUpAsync(email, $"Bench user {index}", ct);
        var token = await PasswordGrantAsync(email, ct);
        var workspace = await CreateWorkspaceAsync(token, $"Bench {runId} {index}", ct);
        var connection = await ConnectSandboxAsync(token, workspace, ct);
        return new BenchUser(index, email, token, workspace, connection);
    }

    public async Task<string> DraftPostAsync(BenchUser user, string text, CancellationToken ct = default)
    {
        var payload = await MutateAsync(user.AccessToken, "draftPost",
            "mutation ($input: DraftPostInput!) { draftPost(input: $input) { post { id version status } errors { __typename ... on Error { code message path } } } }",
            new { workspaceId = user.WorkspaceId, text, targets = new[] { new { connectionId = user.ConnectionId } } }, ct);
        return payload.GetProperty("post").GetProperty("id").GetString()!;
    }

    public async Task SchedulePostAsync(BenchUser user, string postId, DateTimeOffset at, CancellationToken ct = default)
    {
        var payload = await MutateAsync(user.AccessToken, "schedulePost",
            "mutation ($input: SchedulePostInput!) { schedulePost(input: $input) { post { id status scheduledAt } errors { __typename ... on Error { code message } } } }",
            new { postId, at = at.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", System.Globalization.CultureInfo.InvariantCulture) }, ct);
        var status = payload.GetProperty("post").GetProperty("status").GetString();
        if (status != "SCHEDULED")
        {
            throw new BenchException($"schedulePost answered status {status}");
        }
    }

    /// <summary>
    /// Reads many posts of one user in few requests (aliased <c>post(id)</c> fields). Returns id → post JSON.
    /// </summary>
    public async Task<Dictionary<string, JsonObject>> PostsAsync(BenchUser user, IReadOnlyList<string> ids, CancellationToken ct = default)
    {
        var result = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var batch = 25;
        for (var offset = 0; offset < ids.Count;)
        {
            var chunk = ids.Skip(offset).Take(batch).ToList();
            var query = new StringBuilder("query (");
            query.AppendJoin(", ", chunk.Select((_, i) => $"$p{i}: ID!"));
            query.Append(") {");
            for (var i = 0; i < chunk.Count; i++)
            {
                query.Append(CultureInfo.InvariantCulture, $" p{i}: post(id: $p{i}) {{ id status targets {{ status attempts externalId lastError {{ code message retryable }} }} }}");
            }

            query.Append(" }");
            var variables = chunk.Select((id, i) => (Key: $"p{i}", Id: id)).ToDictionary(p => p.Key, p => (object)p.Id);
            JsonElement data;
            try
            {
                data = await GraphQLAsync(user.AccessToken, query.ToString(), variables, ct);
            }
            catch (GraphQLException ex) when (ex.Code is "MAX_COMPLEXITY" or "MAX_DEPTH" && batch > 1)
            {
                batch = Math.Max(1, batch / 2);
                continue;
            }

            for (var i = 0; i < chunk.Count; i++)
            {
                if (data.GetProperty($"p{i}") is { ValueKind: JsonValueKind.Object } post)
                {
                    result[chunk[i]] = JsonNode.Parse(post.GetRawText())!.AsObject();
                }
            }

            offset += chunk.Count;
        }

        return result;
    }

    public void Dispose() => _http.Dispose();

    private static Dictionary<string, string> ParseQuery(string query) =>
        query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : "");

    private static string Truncate(string text) => text.Length <= 600 ? text : text[..600] + "…";

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"")]
    private static partial Regex HiddenInput();
}

public sealed class GraphQLException(string message, string? code) : Exception(message)
{
    public string? Code { get; } = code;
}
