using System.Net;
using System.Text.Json.Nodes;
using Kt.Core;

namespace Kt.Oci;

/// <summary>
/// Attaches an artifact (an SBOM, a signature) to an image already in a registry, the OCI 1.1 way: an image manifest
/// with <c>artifactType</c>, the empty config, the artifact as its one layer and <c>subject</c> naming the image. A
/// registry with the referrers API indexes it by itself; for one without (Distribution 2.x), the referrers tag
/// <c>sha256-&lt;hex&gt;</c> gets an index listing it, merged with what that tag already lists.
/// </summary>
public sealed class ReferrerPusher(RegistryClient registry)
{
    private static readonly byte[] EmptyConfig = "{}"u8.ToArray();

    /// <summary>The OCI empty descriptor's media type (a config with nothing in it).</summary>
    public const string EmptyMediaType = "application/vnd.oci.empty.v1+json";

    /// <summary>Pushes the artifact and links it to <paramref name="subject"/>; returns the artifact manifest's digest.</summary>
    public async Task<Digest> AttachAsync(ImageReference repository, Descriptor subject, string artifactType, byte[] content,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(content);
        var config = new Descriptor(EmptyMediaType, Digest.Compute(EmptyConfig), EmptyConfig.Length);
        var layer = new Descriptor(artifactType, Digest.Compute(content), content.Length);
        await UploadAsync(repository, config, EmptyConfig, cancellationToken).ConfigureAwait(false);
        await UploadAsync(repository, layer, content, cancellationToken).ConfigureAwait(false);

        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciManifest,
            ["artifactType"] = artifactType,
            ["config"] = DescriptorJson(config),
            ["layers"] = new JsonArray(DescriptorJson(layer)),
            ["subject"] = DescriptorJson(subject),
        };
        var bytes = System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString());
        var digest = Digest.Compute(bytes);
        await registry.PutManifestAsync(repository, digest.ToString(), bytes, MediaTypes.OciManifest, cancellationToken).ConfigureAwait(false);

        if (!await HasReferrersApiAsync(repository, subject.Digest, cancellationToken).ConfigureAwait(false))
        {
            await AddToReferrersTagAsync(repository, subject.Digest, new Descriptor(MediaTypes.OciManifest, digest, bytes.Length), artifactType, cancellationToken)
                .ConfigureAwait(false);
        }

        return digest;
    }

    /// <summary>The referrers tag of the fallback scheme: <c>sha256-&lt;hex&gt;</c>.</summary>
    public static string ReferrersTag(Digest subject) => $"{subject.Algorithm}-{subject.Hex}";

    private async Task UploadAsync(ImageReference repository, Descriptor descriptor, byte[] content, CancellationToken cancellationToken)
    {
        if (!await registry.BlobExistsAsync(repository, descriptor.Digest, cancellationToken).ConfigureAwait(false))
        {
            await registry.UploadBlobAsync(repository, descriptor, _ => Task.FromResult<Stream>(new MemoryStream(content, writable: false)), cancellationToken)
                .ConfigureAwait(false);
        }
    }

    private async Task<bool> HasReferrersApiAsync(ImageReference repository, Digest subject, CancellationToken cancellationToken)
    {
        using var response = await registry.SendAsync(repository.Registry, [RegistryClient.PullScope(repository)],
            _ => Task.FromResult(new HttpRequestMessage(HttpMethod.Get, RegistryClient.RepositoryUri(repository, "referrers/" + subject))),
            $"referrers of {subject}", cancellationToken).ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.OK && response.Content.Headers.ContentType?.MediaType == MediaTypes.OciIndex;
    }

    private async Task AddToReferrersTagAsync(ImageReference repository, Digest subject, Descriptor artifact, string artifactType, CancellationToken cancellationToken)
    {
        var tag = ReferrersTag(subject);
        JsonObject index;
        try
        {
            var existing = await registry.GetManifestAsync(repository.WithTag(tag), cancellationToken).ConfigureAwait(false);
            index = JsonNode.Parse(existing.Bytes.Span) as JsonObject ?? NewIndex();
        }
        catch (KtException e) when (e.Code == OciErrors.ManifestNotFound)
        {
            index = NewIndex();
        }

        var manifests = index["manifests"] as JsonArray ?? [];
        index["manifests"] = manifests;
        if (manifests.Any(m => m?["digest"]?.GetValue<string>() == artifact.Digest.ToString()))
        {
            return;
        }

        var entry = DescriptorJson(artifact);
        entry["artifactType"] = artifactType;
        manifests.Add(entry);
        await registry.PutManifestAsync(repository, tag, System.Text.Encoding.UTF8.GetBytes(index.ToJsonString()), MediaTypes.OciIndex, cancellationToken)
            .ConfigureAwait(false);
    }

    private static JsonObject NewIndex() => new() { ["schemaVersion"] = 2, ["mediaType"] = MediaTypes.OciIndex, ["manifests"] = new JsonArray() };

    private static JsonObject DescriptorJson(Descriptor descriptor) => new()
    {
        ["mediaType"] = descriptor.MediaType,
        ["digest"] = descriptor.Digest.ToString(),
        ["size"] = descriptor.Size,
    };
}
