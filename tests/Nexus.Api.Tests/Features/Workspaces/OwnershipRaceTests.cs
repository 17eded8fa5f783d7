using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Nexus.Api.Features.Workspaces;
using Nexus.Api.GraphQL.Relay;
using Nexus.Api.Tests.Infrastructure;

namespace Nexus.Api.Tests.Features.Workspaces;

/// <summary>
/// Exactly one owner at every version of every workspace stream, however the calls that move ownership or
/// membership interleave: the checks run inside the stream's own transaction, so of two racing calls one
/// answers a typed error.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class OwnershipRaceTests(ApiFixture api)
{
    private const int Rounds = 6;

    [Fact]
    public async Task transferring_to_an_admin_who_deletes_their_account_at_the_same_moment_leaves_exactly_one_owner()
    {
        for (var round = 0; round < Rounds; round++)
        {
            var owner = await api.Host.PersonAsync("Olive");
            var admin = await api.Host.PersonAsync("Adam");
            var workspaceId = await api.Host.CreateWorkspaceAsync(owner);
            await api.Host.AddMemberAsync(owner, workspaceId, admin, "ADMIN");

            var transfer = api.Host.AsAsync(owner,
                "mutation ($input: TransferOwnershipInput!) { transferOwnership(input: $input) { errors { ... on Error { code } } } }",
                new { input = new { workspaceId, userId = admin.UserId } });
            var delete = api.Host.AsAsync(admin,
                "mutation ($c: String!) { deleteAccount(input: { confirmEmail: $c }) { done errors { ... on Error { code } } } }",
                new { c = admin.Email });
            var answers = await Task.WhenAll(transfer, delete);

            Assert.All(answers, a => Assert.True(a.Status == 200 && a.Errors.Length == 0, a.Body.ToString()));
            var transferErrors = Codes(answers[0].Data.GetProperty("transferOwnership"));
            var deleteErrors = Codes(answers[1].Data.GetProperty("deleteAccount"));
            Assert.True(transferErrors.Length + deleteErrors.Length == 1,
                $"exactly one call fails (round {round}): transfer {string.Join(",", transferErrors)}; delete {string.Join(",", deleteErrors)}");
            await AssertExactlyOneOwnerAtEveryVersionAsync(workspaceId);
        }
    }

    [Fact]
    public async Task two_concurrent_transfers_by_one_owner_let_one_through_and_record_who_called()
    {
        for (var round = 0; round < Rounds; round++)
        {
            var owner = await api.Host.PersonAsync("Olive");
            var first = await api.Host.PersonAsync("Bea");
            var second = await api.Host.PersonAsync("Cal");
            var workspaceId = await api.Host.CreateWorkspaceAsync(owner);
            await api.Host.AddMemberAsync(owner, workspaceId, first, "ADMIN");
            await api.Host.AddMemberAsync(owner, workspaceId, second, "ADMIN");

            var answers = await Task.WhenAll(
                Transfer(owner, workspaceId, first),
                Transfer(owner, workspaceId, second));

            // The loser is refused by the access check when the winner committed before it, else by the write itself.
            var failures = answers.Select(a => a.Data.ValueKind == JsonValueKind.Object
                ? Codes(a.Data.GetProperty("transferOwnership"))
                : a.ErrorCodes).ToArray();
            Assert.Equal(1, failures.Count(f => f.Length == 0));
            Assert.Equal(["FORBIDDEN"], failures.Single(f => f.Length > 0));
            var transfers = await EventsOfAsync<OwnershipTransferred>(workspaceId);
            var transferred = Assert.Single(transfers);
            Assert.Equal(IdOf(owner.UserId), transferred.FromUserId);
            await AssertExactlyOneOwnerAtEveryVersionAsync(workspaceId);
        }
    }

    [Fact]
    public async Task a_former_owner_whose_role_changed_after_the_access_check_gets_a_typed_error_from_the_write()
    {
        var owner = await api.Host.PersonAsync("Olive");
        var admin = await api.Host.PersonAsync("Adam");
        var workspaceId = await api.Host.CreateWorkspaceAsync(owner);
        await api.Host.AddMemberAsync(owner, workspaceId, admin, "ADMIN");
        await api.Host.MutateAsync(owner, "transferOwnership", "TransferOwnershipInput", new { workspaceId, userId = admin.UserId });

        // The handler itself, as if the read-model check had passed a moment before the transfer committed.
        var bus = api.Host.Services.GetRequiredService<Wolverine.IMessageBus>();
        var outcome = await bus.InvokeAsync<Nexus.Api.GraphQL.Outcome<Guid, RoleRequiredError, NotAMemberError>>(
            new Nexus.Api.Features.Workspaces.TransferringOwnership.TransferOwnership(IdOf(workspaceId), IdOf(owner.UserId), IdOf(admin.UserId)));

        Assert.Equal(["FORBIDDEN"], outcome.Errors.Select(e => e.Code));
    }

    [Fact]
    public async Task an_owner_cannot_delete_their_account_even_when_the_check_races_a_transfer_to_them()
    {
        var owner = await api.Host.PersonAsync("Olive");
        var admin = await api.Host.PersonAsync("Adam");
        var workspaceId = await api.Host.CreateWorkspaceAsync(owner);
        await api.Host.AddMemberAsync(owner, workspaceId, admin, "ADMIN");
        await api.Host.MutateAsync(owner, "transferOwnership", "TransferOwnershipInput", new { workspaceId, userId = admin.UserId });

        var deleted = await api.Host.AsAsync(admin, "mutation ($c: String!) { deleteAccount(input: { confirmEmail: $c }) { done errors { ... on Error { code } } } }", new { c = admin.Email });

        Assert.Equal(["OWNER_MUST_TRANSFER"], Codes(deleted.Data.GetProperty("deleteAccount")));
        await AssertExactlyOneOwnerAtEveryVersionAsync(workspaceId);
    }

    private Task<GraphQLResponse> Transfer(Person owner, string workspaceId, Person to) =>
        api.Host.AsAsync(owner,
            "mutation ($input: TransferOwnershipInput!) { transferOwnership(input: $input) { errors { ... on Error { code } } } }",
            new { input = new { workspaceId, userId = to.UserId } });

    private static Guid IdOf(string globalId) => GlobalId.TryParse(globalId, out var parsed) ? parsed.Id : throw new ArgumentException(globalId);

    private static string[] Codes(JsonElement payload) =>
        [.. payload.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("code").GetString()!)];

    private async Task<IReadOnlyList<T>> EventsOfAsync<T>(string workspaceId)
    {
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var events = await session.Events.FetchStreamAsync(IdOf(workspaceId));
        return [.. events.Select(e => e.Data).OfType<T>()];
    }

    private async Task AssertExactlyOneOwnerAtEveryVersionAsync(string workspaceId)
    {
        var id = IdOf(workspaceId);
        await using var session = api.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var events = await session.Events.FetchStreamAsync(id);
        for (var version = 1; version <= events.Count; version++)
        {
            var workspace = await session.Events.AggregateStreamAsync<Workspace>(id, version: version);
            Assert.NotNull(workspace);
            Assert.True(workspace.Members.Count(m => m.Value == Role.Owner) == 1,
                $"version {version} of the workspace stream has {workspace.Members.Count(m => m.Value == Role.Owner)} owners: {string.Join(", ", events.Select(e => e.Data.GetType().Name))}");
        }

        var current = await session.LoadAsync<Workspace>(id);
        Assert.Single(current!.Members, m => m.Value == Role.Owner);
    }
}
