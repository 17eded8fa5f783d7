namespace Nexus.Api.Infrastructure.Identity;

/// <summary>
/// The scopes an OAuth app may be granted: each lets it do one kind of thing in one workspace. Nexus's own clients
/// ask for <see cref="AuthOptions.ApiScope"/> (<c>nexus</c>) instead, which is everything the signed-in person may do.
/// A GraphQL field declares the one scope it needs beside its role (see <c>FieldScopes</c>).
/// </summary>
public static class AppScope
{
    public const string PostsRead = "posts:read";
    public const string PostsWrite = "posts:write";
    public const string MediaWrite = "media:write";
    public const string AnalyticsRead = "analytics:read";
    public const string ConnectionsRead = "connections:read";
    public const string WebhooksManage = "webhooks:manage";
    public const string EventsRead = "events:read";

    /// <summary>Every app scope, with the plain words the consent screen shows for it.</summary>
    public static IReadOnlyDictionary<string, string> Catalogue { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [PostsRead] = "See the workspace's posts, their schedule and their status",
        [PostsWrite] = "Write, schedule, reschedule and cancel posts in the workspace",
        [MediaWrite] = "Upload and change media in the workspace's library",
        [AnalyticsRead] = "See how the workspace's posts and accounts perform",
        [ConnectionsRead] = "See which social accounts the workspace has connected",
        [WebhooksManage] = "Create and change the workspace's webhook endpoints",
        [EventsRead] = "Read the workspace's full event history",
    };

    public static IReadOnlyCollection<string> All => (IReadOnlyCollection<string>)Catalogue.Keys;

    public static bool IsKnown(string scope) => Catalogue.ContainsKey(scope);
}

/// <summary>
/// The claims that bind an app's access token to one workspace. A token with <see cref="Workspace"/> was issued to a
/// third-party app (for a person after consent, or to the app itself through client credentials) and reaches that
/// workspace only, with only its granted <see cref="AppScope"/>s.
/// </summary>
public static class AppClaims
{
    /// <summary>The workspace id (a Guid, "N" format) the token is bound to.</summary>
    public const string Workspace = "nexus_workspace";

    /// <summary>The app's id (a Guid, "N" format): who acts when no person does (client credentials).</summary>
    public const string App = "nexus_app";

    /// <summary>The OpenIddict application property holding the workspace an app belongs to.</summary>
    public const string WorkspaceProperty = "nexus_workspace";

    /// <summary>The OpenIddict application property holding the app's id.</summary>
    public const string AppProperty = "nexus_app";
}
