using System.ComponentModel;
using GraphQL;
using Marten;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL;
using Nexus.Api.GraphQL.Errors;

namespace Nexus.Api.Features.Posts;

/// <summary>An input naming an existing post by its global id (declare it <c>[property: Id] string PostId</c>).</summary>
public interface IPostInput
{
    string PostId { get; }
}

/// <summary>The input of mutations that act on a post as a whole: the post and, optionally, the version the caller saw.</summary>
public sealed record PostActionInput(
    [property: Id] string PostId,
    [property: Description("The post's `version` you saw; VERSION_CONFLICT if it changed since.")] int? ExpectedVersion) : IPostInput;

/// <summary>Who may change a post: a member of its workspace with at least a role.</summary>
public static class PostAccess
{
    /// <summary>
    /// A generated post mutation's access: the caller needs at least <paramref name="role"/> in the workspace of the
    /// post its input names (the input implements <see cref="IPostInput"/>), read with one query.
    /// </summary>
    public static Access Needs(Role role) => Access.Rule(field =>
        field.RequireWorkspaceRoleOf<Post, object?, object>(role, nameof(Post.WorkspaceId),
            ctx => PostLookup.TryParseId(InputOf(ctx), out var id) ? id : throw new BadRequestError("The post id is not valid."),
            ctx => PostLookup.WorkspaceOfAsync(ctx, InputOf(ctx))));

    /// <summary>The post named by a generated mutation's input; <see cref="Guid.Empty"/> when it names none.</summary>
    public static Guid PostId(this Caller caller) => InputPostId(caller.Context);

    internal static Guid InputPostId(IResolveFieldContext context)
    {
        _ = PostLookup.TryParseId(InputOf(context), out var id);
        return id;
    }

    private static string? InputOf(IResolveFieldContext context) => (context.Arguments?["input"].Value as IPostInput)?.PostId;
}

public static class PostPayloads
{
    /// <summary>
    /// <c>post: Post</c>, the post as it now is, after a failure too (e.g. after VERSION_CONFLICT, so the caller sees
    /// what changed): the handler's answer, or the post the input names; null when there is none (a discarded post).
    /// </summary>
    public static Payload<Guid> Post { get; } = Payload<Guid>.Always<PostType>("post", null, async (context, id) =>
    {
        var postId = id != Guid.Empty ? id : PostAccess.InputPostId(context);
        return postId == Guid.Empty ? null : await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<Post>(postId, context.CancellationToken);
    });
}
