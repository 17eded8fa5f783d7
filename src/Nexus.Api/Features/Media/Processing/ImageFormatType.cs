using GraphQL.Types;

namespace Nexus.Api.Features.Media.Processing;

/// <summary><c>ImageFormat</c>: JPEG, PNG, WEBP (outside the processMedia slice: slices declare no graph types).</summary>
public sealed class ImageFormatType : EnumerationGraphType<ImageFormat>
{
    public ImageFormatType()
    {
        Name = "ImageFormat";
        Description = "An output image format.";
    }
}
