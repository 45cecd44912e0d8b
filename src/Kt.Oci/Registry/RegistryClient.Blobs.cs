using System.Net;
using System.Net.Http.Headers;
using Kt.Core;

namespace Kt.Oci;

public sealed partial class RegistryClient
{
    /// <summary>HEAD of a blob: true when the repository already has it.</summary>
    public async Task<bool> BlobExistsAsync(ImageReference repository, Digest digest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var what = $"blob {digest} in {repository.Registry}/{repository.Repository}";
        using var response = await SendAsync(repository.Registry, [PushScope(repository)],
            _ => Task.FromResult(new HttpRequestMessage(HttpMethod.Head, RepositoryUri(repository, "blobs/" + digest))), what, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        return response.IsSuccessStatusCode ? true : throw await UnexpectedAsync(response, what, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Downloads a blob into <paramref name="cache"/> (or reuses a verified cached copy) and returns its path.
    /// Bytes that do not match the digest are not kept (KT2020); a missing blob is KT2034.
    /// </summary>
    public async Task<string> PullBlobAsync(ImageReference repository, Descriptor descriptor, BlobCache cache, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(cache);
        var what = $"blob {descriptor.Digest} of {repository.Registry}/{repository.Repository}";
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var path = await cache.GetOrAddAsync(descriptor.Digest, ct => OpenBlobResponseAsync(repository, descriptor.Digest, what, ct), what, cancellationToken).ConfigureAwait(false);
                RememberBlobLocation(repository, descriptor.Digest);
                return path;
            }
            catch (RegistryBodyStalledException e) when (!cancellationToken.IsCancellationRequested)
            {
                // A stalled body is retried like a silent registry: once (MaxIdleRetries), then KT2036.
                if (attempt >= options.MaxIdleRetries)
                {
                    throw new KtException(OciErrors.RegistryIdle, $"Registry {repository.Registry} {e.Message} during {what} ({attempt + 1} attempts); check that it is a registry and that it is healthy.", e);
                }

                options.Progress?.Invoke($"registry {repository.Registry}: {e.Message} during {what}; retrying");
                await DelayAsync(attempt, null, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException && attempt < options.MaxRetries && !cancellationToken.IsCancellationRequested)
            {
                // The body broke off mid-transfer; nothing was kept, so start over.
                await DelayAsync(attempt, null, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<Stream> OpenBlobResponseAsync(ImageReference repository, Digest digest, string what, CancellationToken cancellationToken)
    {
        var response = await SendAsync(repository.Registry, [PullScope(repository)],
            _ => Task.FromResult(new HttpRequestMessage(HttpMethod.Get, RepositoryUri(repository, "blobs/" + digest))), what, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            response.Dispose();
            throw new KtException(OciErrors.BlobNotFound, $"Registry {repository.Registry} has no {what}.");
        }

        if (!response.IsSuccessStatusCode)
        {
            var error = await UnexpectedAsync(response, what, cancellationToken).ConfigureAwait(false);
            response.Dispose();
            throw error;
        }

        // Headers came in time; the body is bounded by the idle time too, read by read.
        return new IdleReadStream(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), options.IdleTimeout, response);
    }

    /// <summary>Asks the registry to mount a blob from another repository of the same registry; true when it did (201).</summary>
    public async Task<bool> TryMountBlobAsync(ImageReference repository, Digest digest, string fromRepository, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var from = ImageReference.Parse($"{repository.Registry}/{fromRepository}");
        var what = $"mount of {digest} from {fromRepository} into {repository.Repository}";
        var uri = RepositoryUri(repository, $"blobs/uploads/?mount={Uri.EscapeDataString(digest.ToString())}&from={Uri.EscapeDataString(fromRepository)}");
        using var response = await SendAsync(repository.Registry, [PushScope(repository), PullScope(from)],
            _ => Task.FromResult(new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent([]) }), what, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Created)
        {
            RememberBlobLocation(repository, digest);
            return true;
        }

        // 202 means the registry opened an ordinary upload session instead; the caller uploads.
        return response.StatusCode == HttpStatusCode.Accepted ? false : throw await UnexpectedAsync(response, what, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Uploads a blob: POST an upload session, then one monolithic PUT with the whole body; when the registry refuses
    /// that, falls back to chunked PATCH uploads (<see cref="RegistryClientOptions.ChunkSize"/>) and a closing PUT.
    /// </summary>
    /// <param name="open">Opens the blob's bytes; called again for each attempt.</param>
    public async Task UploadBlobAsync(ImageReference repository, Descriptor descriptor, Func<CancellationToken, Task<Stream>> open, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(open);
        var what = $"upload of {descriptor.Digest} to {repository.Registry}/{repository.Repository}";

        var location = await StartUploadAsync(repository, what, cancellationToken).ConfigureAwait(false);
        using (var response = await SendAsync(repository.Registry, [PushScope(repository)], async ct =>
        {
            var body = new CountingReadStream(await open(ct).ConfigureAwait(false), n =>
            {
                Interlocked.Add(ref bytesUploaded, n);
                IdleWatch.Current?.Touch(); // bytes going out are progress
            });
            var content = new StreamContent(body, 1 << 16);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Headers.ContentLength = descriptor.Size;
            return new HttpRequestMessage(HttpMethod.Put, WithDigest(location, descriptor.Digest)) { Content = content };
        }, what, cancellationToken).ConfigureAwait(false))
        {
            if (response.StatusCode == HttpStatusCode.Created)
            {
                RememberBlobLocation(repository, descriptor.Digest);
                return;
            }

            if ((int)response.StatusCode is not (>= 400 and < 500))
            {
                throw await UnexpectedAsync(response, what, cancellationToken).ConfigureAwait(false);
            }
        }

        await UploadChunkedAsync(repository, descriptor, open, what, cancellationToken).ConfigureAwait(false);
        RememberBlobLocation(repository, descriptor.Digest);
    }

    private async Task UploadChunkedAsync(ImageReference repository, Descriptor descriptor, Func<CancellationToken, Task<Stream>> open, string what, CancellationToken cancellationToken)
    {
        var location = await StartUploadAsync(repository, what, cancellationToken).ConfigureAwait(false);
        await using var source = await open(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[Math.Max(1, (int)Math.Min(options.ChunkSize, Math.Max(descriptor.Size, 1)))];
        long offset = 0;
        while (offset < descriptor.Size)
        {
            var length = await source.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (length == 0)
            {
                break;
            }

            var chunkStart = offset;
            var chunkLocation = location;
            using var response = await SendAsync(repository.Registry, [PushScope(repository)], _ =>
            {
                // Bytes of the chunk going out are progress, as for the monolithic PUT.
                var content = new StreamContent(new CountingReadStream(new MemoryStream(buffer, 0, length, writable: false), _ => IdleWatch.Current?.Touch()), 1 << 16);
                content.Headers.ContentLength = length;
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                var request = new HttpRequestMessage(HttpMethod.Patch, chunkLocation) { Content = content };
                request.Content.Headers.TryAddWithoutValidation("Content-Range", $"{chunkStart}-{chunkStart + length - 1}");
                Interlocked.Add(ref bytesUploaded, length);
                return Task.FromResult(request);
            }, what, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw await UnexpectedAsync(response, what + " (chunk)", cancellationToken).ConfigureAwait(false);
            }

            location = NextLocation(response, location);
            offset += length;
        }

        using var final = await SendAsync(repository.Registry, [PushScope(repository)],
            _ => Task.FromResult(new HttpRequestMessage(HttpMethod.Put, WithDigest(location, descriptor.Digest)) { Content = new ByteArrayContent([]) }),
            what, cancellationToken).ConfigureAwait(false);
        if (final.StatusCode != HttpStatusCode.Created)
        {
            throw await UnexpectedAsync(final, what + " (closing PUT)", cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<Uri> StartUploadAsync(ImageReference repository, string what, CancellationToken cancellationToken)
    {
        var uri = RepositoryUri(repository, "blobs/uploads/");
        using var response = await SendAsync(repository.Registry, [PushScope(repository)],
            _ => Task.FromResult(new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent([]) }), what, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw await UnexpectedAsync(response, what + " (starting the upload)", cancellationToken).ConfigureAwait(false);
        }

        return NextLocation(response, uri);
    }

    private static Uri NextLocation(HttpResponseMessage response, Uri current)
    {
        var location = response.Headers.Location ?? throw new KtException(OciErrors.UnexpectedAnswer, "The registry opened an upload without a Location header.");
        return location.IsAbsoluteUri ? location : new Uri(current, location);
    }

    private static Uri WithDigest(Uri location, Digest digest)
    {
        var builder = new UriBuilder(location);
        var digestQuery = "digest=" + Uri.EscapeDataString(digest.ToString());
        builder.Query = string.IsNullOrEmpty(builder.Query) ? digestQuery : builder.Query.TrimStart('?') + "&" + digestQuery;
        return builder.Uri;
    }
}
