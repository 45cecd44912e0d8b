using Kt.Core;
using Kt.Oci;

namespace Kt.Workflows;

/// <summary>
/// The frozen image's name as the SDK's container properties give it: <c>ContainerRegistry</c> (optional; push only when
/// set), <c>ContainerRepository</c>, and <c>ContainerImageTags</c> (<c>;</c>-separated). Validated once, up front, so a
/// typo fails before any layer is built.
/// </summary>
internal sealed record FrozenImageName(ImageReference? PushRepository, string Repository, IReadOnlyList<string> Tags)
{
    /// <summary>The name written into archives (<c>repository:firstTag</c>).</summary>
    public string LocalName => $"{Repository}:{Tags[0]}";

    public static FrozenImageName Create(string? registry, string repository, string? tags)
    {
        var tagList = (tags ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (tagList.Length == 0)
        {
            tagList = [ImageReference.DefaultTag];
        }

        try
        {
            if (repository.Contains('@', StringComparison.Ordinal) || repository[(repository.LastIndexOf('/') + 1)..].Contains(':', StringComparison.Ordinal))
            {
                throw new KtException(WorkflowErrors.InvalidImageName,
                    $"ContainerRepository '{repository}' must not carry a tag or digest; put tags in ContainerImageTags.");
            }

            var registryHost = string.IsNullOrWhiteSpace(registry) ? null : registry.Trim().TrimEnd('/');
            var reference = ImageReference.Parse(registryHost is null ? repository : $"{registryHost}/{repository}");
            foreach (var tag in tagList)
            {
                reference.WithTag(tag);
            }

            return new FrozenImageName(registryHost is null ? null : reference, repository, tagList);
        }
        catch (KtException e) when (e.Code != WorkflowErrors.InvalidImageName)
        {
            throw new KtException(WorkflowErrors.InvalidImageName,
                $"the image name from ContainerRegistry='{registry}', ContainerRepository='{repository}', ContainerImageTags='{tags}' is invalid: {e.Detail}", e);
        }
    }

    /// <summary>
    /// Where the archive goes, by the SDK's rule for <c>ContainerArchiveOutputPath</c>: a path without an extension, or
    /// ending in a separator, is a folder and the file is <c>&lt;repository&gt;.tar.gz</c> in it (the repository's
    /// <c>/</c> making subfolders, as the SDK does). Like the SDK's, the file is an uncompressed tar; <c>docker load</c>
    /// and skopeo (<c>oci-archive:</c>) read it.
    /// </summary>
    public string ArchiveFile(string archiveOutputPath)
    {
        var full = Path.GetFullPath(archiveOutputPath);
        var isFolder = !Path.HasExtension(full)
            || archiveOutputPath.EndsWith(Path.DirectorySeparatorChar)
            || archiveOutputPath.EndsWith(Path.AltDirectorySeparatorChar);
        return isFolder ? Path.Combine(full, Repository + ".tar.gz") : full;
    }
}
