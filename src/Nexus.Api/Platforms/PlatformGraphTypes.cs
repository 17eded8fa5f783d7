using GraphQL.Types;

namespace Nexus.Api.Platforms;

/// <summary><c>PlatformId</c>: the enum values are the platform names in upper case (<c>LINKEDIN</c>, <c>TIKTOK</c>).</summary>
public sealed class PlatformIdType : EnumerationGraphType<PlatformId>
{
    public PlatformIdType() => Name = "PlatformId";

    protected override string ChangeEnumCase(string val) => val.ToUpperInvariant();
}

/// <summary><c>MediaKind</c>: IMAGE, VIDEO, GIF.</summary>
public sealed class MediaKindType : EnumerationGraphType<MediaKind>
{
    public MediaKindType() => Name = "MediaKind";

    protected override string ChangeEnumCase(string val) => val.ToUpperInvariant();
}
