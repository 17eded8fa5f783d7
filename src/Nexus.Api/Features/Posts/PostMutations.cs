using GraphQL;
using GraphQL.Builders;
using GraphQL.Types;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;

namespace Nexus.Api.Features.Posts;

/// <summary>What every post mutation answers: the post as it now is, and typed errors.</summary>
public sealed record PostPayload(Post? Post, IReadOnlyList<MutationError> Errors);

/// <summary><c>{Mutation}Payload { post, errors }</c> with the mutation's own error union.</summary>
public abstract class PostPayloadType<TErrorUnion> : ObjectGraphType<PostPayload> where TErrorUnion : ErrorUnionType
{
    protected PostPayloadType(string name)
    {
        Name = name;
        Field<PostType, Post>("post").Resolve(ctx => ctx.Source.Post);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TErrorUnion>>>, IReadOnlyList<MutationError>>("errors").Resolve(ctx => ctx.Source.Errors);
    }
}

/// <summary>An input naming an existing post by its global id.</summary>
public interface IPostInput
{
    string PostId { get; }
}

/// <summary>The input of mutations that act on a post as a whole: the post and, optionally, the version the caller saw.</summary>
public sealed record PostActionInput(string PostId, int? ExpectedVersion) : IPostInput;

/// <summary><c>{Mutation}Input { postId, expectedVersion }</c>.</summary>
public abstract class PostActionInputType : InputObjectGraphType<PostActionInput>
{
    protected PostActionInputType(string name)
    {
        Name = name;
        Field<NonNullGraphType<IdGraphType>>("postId");
        Field<IntGraphType>("expectedVersion").Description("The post's `version` you saw; VERSION_CONFLICT if it changed since.");
    }
}

public static class PostMutations
{
    /// <summary>Post mutations act on a post of a workspace where the caller is at least <paramref name="role"/>.</summary>
    public static FieldBuilder<object?, object> RequirePostRole(this FieldBuilder<object?, object> field, Role role) =>
        field.RequireWorkspaceRoleOf<Post, object?, object>(role, nameof(Post.WorkspaceId),
            ctx => PostLookup.TryParseId((ctx.Arguments?["input"].Value as IPostInput)?.PostId, out var id) ? id : throw new BadRequestError("The post id is not valid."),
            ctx => PostLookup.WorkspaceOfAsync(ctx, (ctx.Arguments?["input"].Value as IPostInput)?.PostId));

    public static Guid InputPostId(this IResolveFieldContext context)
    {
        _ = PostLookup.TryParseId((context.Arguments?["input"].Value as IPostInput)?.PostId, out var id);
        return id;
    }

    /// <summary>Sends the command and answers the post as it now is.</summary>
    public static async Task<PostPayload> SendForPostAsync<TCommand>(this IResolveFieldContext context, TCommand command, Guid? postId = null)
        where TCommand : notnull
    {
        var outcome = await context.SendAsync<TCommand, Guid>(command);
        var id = outcome.Value != Guid.Empty ? outcome.Value : postId ?? context.InputPostId();
        var post = id == Guid.Empty ? null : await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<Post>(id, context.CancellationToken);
        return new PostPayload(post, outcome.Errors);
    }
}
