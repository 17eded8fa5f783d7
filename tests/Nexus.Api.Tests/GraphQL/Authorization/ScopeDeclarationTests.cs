using System.Security.Claims;
using GraphQL;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Apps;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Authorization;
using Nexus.Api.Infrastructure.Identity;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.GraphQL.Authorization;

/// <summary>
/// Every field an app could reach declares what it needs: a root field, a field an area adds to another's type, a
/// field that checks a workspace role. A field added without a declaration fails here (and <see cref="ScopeRule"/>
/// refuses it to apps meanwhile).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ScopeDeclarationTests(ApiFixture api)
{
    [Fact]
    public void every_root_field_declares_its_app_scope()
    {
        var schema = Schema();
        var missing = new[] { schema.Query, schema.Mutation, schema.Subscription }.OfType<IComplexGraphType>()
            .SelectMany(root => root.Fields.Where(f => !f.DeclaresScope()).Select(f => $"{root.Name}.{f.Name}"))
            .ToList();
        Assert.True(missing.Count == 0, "Declare .Scope(AppScope.X), .FirstPartyOnly() or .AnyAppScope() on: " + string.Join(", ", missing));
    }

    [Fact]
    public void every_field_added_by_a_type_extension_declares_its_app_scope()
    {
        var missing = new List<string>();
        var extensions = typeof(TypeExtensionRegistry).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false })
            .SelectMany(t => t.GetInterfaces().Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ITypeExtension<>)).Select(i => (Extension: t, Type: i.GetGenericArguments()[0])))
            .ToList();
        Assert.NotEmpty(extensions);
        foreach (var (extension, type) in extensions)
        {
            // The extended type built bare, then with this one extension: the difference is what the extension adds.
            var bare = Build(type);
            var before = bare.Fields.Select(f => f.Name).ToHashSet();
            typeof(TypeExtensionRegistry).GetMethod(nameof(TypeExtensionRegistry.Extend))!.MakeGenericMethod(type)
                .Invoke(new TypeExtensionRegistry([extension]), [bare]);
            var added = bare.Fields.Where(f => !before.Contains(f.Name)).ToList();
            Assert.True(added.Count > 0, $"{extension.Name} adds no field to {type.Name}");
            missing.AddRange(added.Where(f => !f.DeclaresScope()).Select(f => $"{bare.Name}.{f.Name} ({extension.Name})"));
        }

        Assert.True(missing.Count == 0, "Declare .Scope(AppScope.X) or .FirstPartyOnly() on: " + string.Join(", ", missing));
    }

    [Fact]
    public void every_field_that_checks_a_workspace_role_declares_its_app_scope()
    {
        var missing = Schema().AllTypes.OfType<IComplexGraphType>()
            .SelectMany(type => type.Fields.Where(f => f.HasMetadata(WorkspaceAccess.MinimumRoleKey) && !f.DeclaresScope()).Select(f => $"{type.Name}.{f.Name}"))
            .ToList();
        Assert.True(missing.Count == 0, string.Join(", ", missing));
    }

    [Fact]
    public void declared_scopes_are_app_scopes()
    {
        var unknown = Schema().AllTypes.OfType<IComplexGraphType>().SelectMany(t => t.Fields)
            .Select(f => f.NeededScope()).OfType<string>().Where(s => !AppScope.IsKnown(s)).ToList();
        Assert.Empty(unknown);
        Assert.Throws<ArgumentException>(() => new FieldType { Name = "x" }.Scope("nexus"));
    }

    [Fact]
    public async Task a_root_field_without_a_declaration_is_refused_to_apps_and_open_to_nexus_clients()
    {
        var schema = new global::GraphQL.Types.Schema { Query = new UndeclaredQuery() };
        var app = AppPrincipal.Create("client", "client", Guid.CreateVersion7(), Guid.CreateVersion7(), [.. AppScope.All], [.. AppScope.All]);
        var own = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", Guid.CreateVersion7().ToString())], "Bearer"));

        var refused = await RunAsync(schema, app, "{ declared undeclared }");
        Assert.Equal(["FORBIDDEN"], refused.Errors!.Select(e => e.Code));
        Assert.Contains("`undeclared`", refused.Errors![0].Message, StringComparison.Ordinal);

        Assert.Null((await RunAsync(schema, app, "{ declared }")).Errors);
        Assert.Null((await RunAsync(schema, own, "{ declared undeclared firstParty }")).Errors);
        Assert.Equal(["FORBIDDEN"], (await RunAsync(schema, app, "{ firstParty }")).Errors!.Select(e => e.Code));
    }

    private static async Task<ExecutionResult> RunAsync(ISchema schema, ClaimsPrincipal user, string query) =>
        await new DocumentExecuter().ExecuteAsync(new ExecutionOptions
        {
            Schema = schema,
            Query = query,
            User = user,
            ValidationRules = [.. global::GraphQL.Validation.DocumentValidator.CoreRules, ScopeRule.Instance],
        });

    private NexusSchema Schema()
    {
        var schema = api.Host.Services.GetRequiredService<NexusSchema>();
        schema.Initialize();
        return schema;
    }

    private static IComplexGraphType Build(Type type)
    {
        var constructor = type.GetConstructors().Single();
        return (IComplexGraphType)constructor.Invoke([.. constructor.GetParameters().Select(p =>
            p.ParameterType == typeof(TypeExtensionRegistry) ? new TypeExtensionRegistry([]) : throw new InvalidOperationException($"{type.Name} needs a {p.ParameterType.Name}"))]);
    }

    private sealed class UndeclaredQuery : ObjectGraphType
    {
        public UndeclaredQuery()
        {
            Name = "Query";
            Field<StringGraphType>("declared").Scope(AppScope.PostsRead).Resolve(_ => "yes");
            Field<StringGraphType>("undeclared").Resolve(_ => "no");
            Field<StringGraphType>("firstParty").FirstPartyOnly().Resolve(_ => "no");
        }
    }
}
