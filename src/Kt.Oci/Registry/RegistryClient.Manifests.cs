using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Kt.Core;

namespace Kt.Oci;

public sealed partial class RegistryClient
{
    /// <summary>More than any real manifest or index (registries commonly refuse over 4 MiB); past it the answer is refused, not buffered.</summary>
    private const int MaxManifestBytes = 32 * 1024 * 1024;

    /// <summary>GETs a manifest or index by tag or digest (Accept: OCI and Docker). 404 → KT2033; a digest-pinned reference is verified.</summary>
    public async Task<ManifestResponse> GetManifestAsync(ImageReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var what = $"manifest {reference}";
        using var response = await SendAsync(reference.Registry, [PullScope(reference)], _ =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, RepositoryUri(reference, "manifests/" + reference.ManifestReference));
            foreach (var type in MediaTypes.ManifestAccept)
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
            }

            return Task.FromResult(request);
        }, what, cancellationToken).ConfigureAwait(false);

        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new KtException(OciErrors.ManifestNotFound, $"Registry {reference.Registry} has no manifest {reference.ManifestReference} in repository {reference.Repository} ({reference}).");
        }

        if (!response.IsSuccessStatusCode)
        {
            throw await UnexpectedAsync(response, what, cancellationToken).ConfigureAwait(false);
        }

        var bytes = await ReadBodyAsync(response, what, MaxManifestBytes, stopAtLimit: false, cancellationToken).ConfigureAwait(false);
        var digest = Digest.Compute(bytes);
        if (reference.Digest is { } expected && expected != digest)
        {
            throw new KtException(OciErrors.DigestMismatch, $"Digest mismatch for {what}: the registry's bytes hash to {digest}.");
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (!MediaTypes.IsIndex(mediaType) && !MediaTypes.IsManifest(mediaType))
        {
            mediaType = MediaTypeFromBody(bytes) ?? mediaType ?? MediaTypes.OciManifest;
        }

        return new ManifestResponse(mediaType!, bytes, digest);
    }

    /// <summary>The image manifest for <paramref name="platform"/> (default linux/amd64), resolving an index when the reference names one.</summary>
    public async Task<SerializedJson<ImageManifest>> GetImageManifestAsync(ImageReference reference, Platform? platform = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var response = await GetManifestAsync(reference, cancellationToken).ConfigureAwait(false);
        if (response.IsIndex)
        {
            var index = OciJson.Parse<ImageIndex>(response.Bytes.ToArray(), $"index {reference}").Value;
            var selected = index.SelectPlatform(platform ?? Platform.Default, $"Image {reference}");
            response = await GetManifestAsync(reference.WithDigest(selected.Digest), cancellationToken).ConfigureAwait(false);
        }

        if (!MediaTypes.IsManifest(response.MediaType))
        {
            throw new KtException(OciErrors.BadDocument, $"{reference} is a '{response.MediaType}', not an image manifest.");
        }

        return OciJson.Parse<ImageManifest>(response.Bytes.ToArray(), $"manifest {reference}");
    }

    /// <summary>PUTs a manifest under a tag or digest; returns its digest.</summary>
    public async Task<Digest> PutManifestAsync(ImageReference repository, string tagOrDigest, ReadOnlyMemory<byte> bytes, string mediaType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var what = $"manifest upload {repository.Registry}/{repository.Repository}:{tagOrDigest}";
        using var response = await SendAsync(repository.Registry, [PushScope(repository)], _ =>
        {
            var content = new ReadOnlyMemoryContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return Task.FromResult(new HttpRequestMessage(HttpMethod.Put, RepositoryUri(repository, "manifests/" + tagOrDigest)) { Content = content });
        }, what, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created && !response.IsSuccessStatusCode)
        {
            throw await UnexpectedAsync(response, what, cancellationToken).ConfigureAwait(false);
        }

        return Digest.Compute(bytes.Span);
    }

    private static string? MediaTypeFromBody(byte[] bytes)
    {
        try
        {
            using var json = JsonDocument.Parse(bytes);
            if (json.RootElement.TryGetProperty("mediaType", out var type) && type.GetString() is { } text)
            {
                return text;
            }

            return json.RootElement.TryGetProperty("manifests", out _) ? MediaTypes.OciIndex : MediaTypes.OciManifest;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
