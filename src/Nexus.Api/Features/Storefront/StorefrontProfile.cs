using System.ComponentModel;
using System.Security.Cryptography;
using System.Text;
using JasperFx.Events.Projections;
using Marten;
using Nexus.Api.GraphQL.Errors;
using Nexus.Api.Infrastructure;

namespace Nexus.Api.Features.Storefront;

[Description("A workspace admin gave the storefront its public handle (the name buyers find it by); PreviousHandle, if any, is free for any workspace again.")]
public sealed record StorefrontHandleSet(Guid StorefrontId, Guid WorkspaceId, string Handle, string? PreviousHandle, Guid ByUserId, DateTimeOffset At) : IDomainEvent;

/// <summary>
/// A workspace's storefront as the public finds it: its handle. One stream per workspace whose id is derived from the
/// workspace's (<see cref="IdOf"/>), as the workspace's own id already names the workspace's stream and the Storefront
/// area does not write to another area's stream. Projected inline with a unique index on the handle, so two workspaces
/// claiming one handle cannot both commit: the loser's handler runs again and finds it taken.
/// </summary>
public sealed record StorefrontProfile(Guid Id, Guid WorkspaceId, string Handle, DateTimeOffset UpdatedAt, int Version)
{
    public static StorefrontProfile Create(StorefrontHandleSet e) => new(e.StorefrontId, e.WorkspaceId, e.Handle, e.At, 1);

    public StorefrontProfile Apply(StorefrontHandleSet e) => this with { Handle = e.Handle, UpdatedAt = e.At };

    /// <summary>The workspace's storefront stream: a name-based id (SHA-256 of the workspace id, version 8 bits), the same on every node.</summary>
    public static Guid IdOf(Guid workspaceId)
    {
        var bytes = SHA256.HashData(Encoding.ASCII.GetBytes($"nexus-storefront:{workspaceId:N}"))[..16];
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }
}

public static class StorefrontHandles
{
    public const int MinLength = 3;
    public const int MaxLength = 40;

    /// <summary>How a handle is compared and stored: trimmed, lower case (buyers type addresses in any case).</summary>
    public static string Normalize(string? handle) => (handle ?? "").Trim().ToLowerInvariant();

    /// <summary>3 to 40 of <c>[a-z0-9-]</c>, not starting or ending with a hyphen: safe in a URL path as it is.</summary>
    public static bool IsValid(string handle) =>
        handle.Length is >= MinLength and <= MaxLength && handle.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') && handle[0] != '-' && handle[^1] != '-';
}

public sealed class StorefrontProfileMarten : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options)
    {
        options.Projections.Snapshot<StorefrontProfile>(SnapshotLifecycle.Inline);
        options.Schema.For<StorefrontProfile>().UniqueIndex(p => p.Handle);
    }
}

/// <summary>Another workspace's storefront has this handle.</summary>
public sealed record HandleTakenError()
    : MutationError("HANDLE_TAKEN", "Another storefront already has this handle.", ["input", "handle"]);
