using System.Reflection;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.Features.Workspaces.RenamingWorkspace;
using Nexus.Api.GraphQL;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.GraphQL;

[Collection(ApiCollection.Name)]
public sealed class MutationConventionTests(ApiFixture api)
{
    private static readonly Type[] Declarations =
        [.. typeof(NexusSchema).Assembly.GetTypes().Where(t => t is { IsAbstract: false } && typeof(IMutationDeclaration).IsAssignableFrom(t))];

    [Fact]
    public void every_generated_error_union_is_exactly_validation_and_the_errors_its_handler_returns()
    {
        var schema = api.Host.Services.GetRequiredService<NexusSchema>();
        schema.Initialize();

        Assert.True(Declarations.Length >= 20, $"only {Declarations.Length} declared mutations found");
        Assert.All(Declarations, type =>
        {
            var declaration = (IMutationDeclaration)Activator.CreateInstance(type)!;
            var union = Assert.IsType<UnionGraphType>(schema.AllTypes[declaration.TypeName + "Error"], exactMatch: false);

            Assert.Equal(
                ErrorsNamedByHandlerOf(declaration.CommandType).Append("ValidationError").Order(StringComparer.Ordinal),
                union.PossibleTypes.Select(t => t.Name).Order(StringComparer.Ordinal));
        });
    }

    [Fact]
    public void a_declared_mutation_generates_its_field_input_and_payload()
    {
        var schema = api.Host.Services.GetRequiredService<NexusSchema>();
        schema.Initialize();

        var field = schema.Mutation!.GetField("renameWorkspace")!;
        Assert.Equal("RenameWorkspacePayload!", field.ResolvedType!.ToString());
        Assert.Equal("RenameWorkspaceInput!", field.Arguments!.Find("input")!.ResolvedType!.ToString());
        Assert.Equal(Role.Admin, field.Metadata[WorkspaceAccess.MinimumRoleKey]);
        var payload = (IObjectGraphType)schema.AllTypes["RenameWorkspacePayload"]!;
        Assert.Equal(["errors", "workspace"], payload.Fields.Select(f => f.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void a_handler_answers_its_value_or_one_of_the_errors_its_return_type_names()
    {
        var workspace = new Workspace(Guid.NewGuid(), "Old", "UTC", new() { [Guid.Empty] = Role.Owner }, [Guid.Empty], [], DateTimeOffset.UnixEpoch, 1);

        var (refused, _) = RenameWorkspaceHandler.Handle(new RenameWorkspace(workspace.Id, Guid.NewGuid(), "New"), workspace, DateTimeOffset.UnixEpoch);
        var (renamed, events) = RenameWorkspaceHandler.Handle(new RenameWorkspace(workspace.Id, Guid.Empty, "New"), workspace, DateTimeOffset.UnixEpoch);

        Assert.IsType<RoleRequiredError>(Assert.Single(refused.Errors));
        Assert.False(refused.Succeeded);
        Assert.True(renamed.Succeeded);
        Assert.Equal(workspace.Id, renamed.Value);
        Assert.IsType<WorkspaceRenamed>(Assert.Single(events));
    }

    /// <summary>Read from the handler's return type on its own, not through the generator.</summary>
    private static IEnumerable<string> ErrorsNamedByHandlerOf(Type command)
    {
        var handler = Assert.Single(command.Assembly.GetTypes()
            .Where(t => t.Name.EndsWith("Handler", StringComparison.Ordinal))
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Where(m => m.Name.StartsWith("Handle", StringComparison.Ordinal) && m.GetParameters().FirstOrDefault()?.ParameterType == command));
        var outcome = Assert.Single(Flatten(handler.ReturnType), t => t.IsGenericType && t.GetGenericTypeDefinition().Name.StartsWith("Outcome`", StringComparison.Ordinal));
        Assert.True(outcome.GetGenericArguments().Length >= 2, $"{handler.DeclaringType!.Name} answers {outcome}, which names no errors");
        return outcome.GetGenericArguments().Skip(1).Where(t => t != typeof(NoError)).Select(t => t.Name);
    }

    private static IEnumerable<Type> Flatten(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() is var definition && (definition == typeof(Task<>) || definition.FullName!.StartsWith("System.ValueTuple`", StringComparison.Ordinal))
            ? type.GetGenericArguments().SelectMany(Flatten)
            : [type];
}
