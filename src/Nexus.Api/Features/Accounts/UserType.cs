using System.Security.Claims;
using GraphQL;
using GraphQL.Types;
using Marten;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.GraphQL.Scalars;

namespace Nexus.Api.Features.Accounts;

/// <summary><c>User</c>: a person's account, as that person sees it.</summary>
public sealed class UserType : ObjectGraphType<User>
{
    public UserType()
    {
        Name = "User";
        Description = "A person's account.";
        this.NodeId(user => user.Id);
        Field(user => user.Email).Description("The sign-in email, normalised to lower case.");
        Field(user => user.DisplayName).Description("The name shown to teammates.");
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("createdAt")
            .Description("When the account was created.")
            .Resolve(ctx => ctx.Source.RegisteredAt);
    }
}

/// <summary>A user is visible through <c>node(id)</c> only to that user.</summary>
public sealed class UserNodeResolver : INodeResolver
{
    public string TypeName => "User";

    public async Task<object?> ResolveAsync(Guid id, IResolveFieldContext context)
    {
        var subject = context.User?.FindFirstValue(ClaimTypes.NameIdentifier) ?? context.User?.FindFirstValue("sub");
        if (!Guid.TryParse(subject, out var signedIn) || signedIn != id)
        {
            return null;
        }

        return await context.RequestServices!.GetRequiredService<IQuerySession>().LoadAsync<User>(id, context.CancellationToken);
    }
}
