using System.Text.RegularExpressions;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.GraphQL;

public sealed partial class TypeExtensionTests
{
    private static readonly string Features = Path.Combine(RepositoryRoot.Path, "src", "Nexus.Api", "Features");

    [Fact]
    public void the_workspace_type_names_none_of_the_posts_or_connections_slices()
    {
        var source = File.ReadAllText(Path.Combine(Features, "Workspaces", "WorkspaceType.cs"));

        Assert.Empty(OtherArea().Matches(source));
    }

    [Fact]
    public void posts_and_connections_contribute_their_workspace_fields_as_extensions()
    {
        var types = typeof(Nexus.Api.GraphQL.ITypeExtension<>).Assembly.GetTypes()
            .Where(t => t.GetInterfaces().Contains(typeof(Nexus.Api.GraphQL.ITypeExtension<Nexus.Api.Features.Workspaces.WorkspaceType>)))
            .Select(t => t.Namespace)
            .ToList();

        Assert.Contains("Nexus.Api.Features.Posts.Listing", types);
        Assert.Contains("Nexus.Api.Features.Connections", types);
    }

    [GeneratedRegex(@"\b(Posts|Connections)\.|Features\.(Posts|Connections)\b")]
    private static partial Regex OtherArea();
}
