namespace Kt.Oci;

/// <summary>One history step of an assembled image: a new layer, or a metadata-only change (<c>empty_layer</c>).</summary>
public sealed record ImageStep
{
    private ImageStep(Layer? layer, string createdBy, string? comment)
    {
        Layer = layer;
        CreatedBy = createdBy;
        Comment = comment;
    }

    public Layer? Layer { get; }

    /// <summary>What made the step, shown by <c>docker history</c> (e.g. the step's description).</summary>
    public string CreatedBy { get; }

    /// <summary>Free text; Kt puts the step key here so history lines can be matched to steps.</summary>
    public string? Comment { get; }

    public static ImageStep ForLayer(Layer layer, string createdBy, string? comment = null)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return new ImageStep(layer, createdBy, comment);
    }

    public static ImageStep MetadataOnly(string createdBy, string? comment = null) => new(null, createdBy, comment);
}
