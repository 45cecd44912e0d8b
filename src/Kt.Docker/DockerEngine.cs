using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using Kt.Core;

namespace Kt.Docker;

/// <summary>
/// <see cref="IContainerEngine"/> over a Docker engine: runs setup steps in throw-away containers and hands back
/// each step's filesystem diff as a layer tar.
/// </summary>
/// <remarks>
/// A step's diff is obtained by committing the finished container to a temporary image, streaming
/// <c>GET /images/{id}/get</c> (docker save) and keeping only that image's last layer: that tar is exactly what the
/// step changed, with <c>.wh.</c> whiteouts for deletions, in the form OCI layers use. The container and the temporary
/// image are removed whatever happens (failure, exception, cancellation).
/// </remarks>
public sealed class DockerEngine : IContainerEngine, IDisposable
{
    /// <summary>Label put on every step container so leftovers of a killed process can be found.</summary>
    public const string StepLabel = "dev.kt.step";

    private const int OutputTailLines = 50;
    private readonly DockerConnection _connection;
    private readonly bool _ownsConnection;

    /// <summary>Uses an existing connection (not disposed by this engine).</summary>
    public DockerEngine(DockerConnection connection)
        : this(connection, ownsConnection: false)
    {
    }

    private DockerEngine(DockerConnection connection, bool ownsConnection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _ownsConnection = ownsConnection;
    }

    /// <summary>
    /// Extra labels for step containers (and so for their temporary commits), e.g. a build or session id that lets
    /// a caller find leftovers of its own after a crash.
    /// </summary>
    public IReadOnlyDictionary<string, string> StepLabels { get; init; } = new Dictionary<string, string>();

    /// <summary>The connection (endpoint, negotiated version) this engine uses.</summary>
    public DockerConnection Connection => _connection;

    private DockerClient Client => _connection.Client;

    /// <summary>Connects (DOCKER_HOST/DOCKER_API_VERSION unless <paramref name="options"/> is given) and owns the connection.</summary>
    public static async Task<DockerEngine> ConnectAsync(DockerConnectOptions? options = null, CancellationToken cancellationToken = default)
    {
        var connection = await DockerEngineConnector.ConnectAsync(options ?? DockerConnectOptions.FromEnvironment(), cancellationToken)
            .ConfigureAwait(false);
        return new DockerEngine(connection, ownsConnection: true);
    }

    /// <inheritdoc />
    public async Task<EngineInfo> PingAsync(CancellationToken cancellationToken = default)
    {
        var version = await Call(() => Client.System.GetVersionAsync(cancellationToken), "GET /version").ConfigureAwait(false);
        return new EngineInfo(ApiVersionNegotiator.Format(_connection.ApiVersion), version.Os ?? "", version.Arch ?? "", version.Version ?? "");
    }

    /// <inheritdoc />
    public async Task<bool> ImageExistsAsync(string reference, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        return await InspectImageOrNullAsync(reference, cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <summary>Pulls <paramref name="reference"/> from its registry into the engine (<c>docker pull</c>).</summary>
    /// <exception cref="KtException">KT3009 when the registry refuses or cannot be reached (the engine's message).</exception>
    public async Task PullImageAsync(string reference, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        var (repository, tagOrDigest) = SplitReference(reference);
        var progress = new CollectingProgress();
        try
        {
            await Client.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = repository, Tag = tagOrDigest }, null, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException ex)
        {
            throw new KtException(DockerErrorCodes.ImagePullFailed, $"the engine could not pull '{reference}': {ex.ResponseBody?.Trim() ?? ex.Message}", ex);
        }

        if (progress.FirstError is { } error)
        {
            throw new KtException(DockerErrorCodes.ImagePullFailed, $"the engine could not pull '{reference}': {error}");
        }
    }

    /// <summary>Writes <paramref name="reference"/> as <c>docker save</c> does (a docker-archive tarball) to <paramref name="path"/>.</summary>
    public async Task SaveImageAsync(string reference, string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        var stream = await Call(() => Client.Images.SaveImageAsync(reference, cancellationToken), $"GET /images/{reference}/get").ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var file = File.Create(path);
            await using (file.ConfigureAwait(false))
            {
                await stream.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // "host:5000/a/b:tag" → ("host:5000/a/b", "tag"); "a/b@sha256:…" → ("a/b", "sha256:…"); no tag → "latest".
    private static (string Repository, string TagOrDigest) SplitReference(string reference)
    {
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        if (at > 0)
        {
            return (reference[..at], reference[(at + 1)..]);
        }

        var colon = reference.LastIndexOf(':');
        return colon > reference.LastIndexOf('/') ? (reference[..colon], reference[(colon + 1)..]) : (reference, "latest");
    }

    /// <inheritdoc />
    public async Task LoadImageAsync(Stream tarball, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tarball);
        var progress = new CollectingProgress();
        await Call(() => Client.Images.LoadImageAsync(new ImageLoadParameters { Quiet = true }, tarball, progress, cancellationToken),
            "POST /images/load").ConfigureAwait(false);
        if (progress.FirstError is { } error)
        {
            throw new KtException(DockerErrorCodes.ImageLoadFailed, $"the engine rejected the image tarball: {error}");
        }
    }

    /// <inheritdoc />
    public async Task RemoveImageAsync(string reference, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        try
        {
            await Client.Images.DeleteImageAsync(reference, new ImageDeleteParameters { Force = true }, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerImageNotFoundException)
        {
            // Already gone is what the caller wanted.
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
        }
        catch (DockerApiException ex)
        {
            throw RequestFailed($"DELETE /images/{reference}", ex);
        }
    }

    /// <summary>Gives <paramref name="source"/> the extra name <paramref name="repository"/>:<paramref name="tag"/>.</summary>
    public Task TagImageAsync(string source, string repository, string tag, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(repository);
        ArgumentException.ThrowIfNullOrWhiteSpace(tag);
        return Call(() => Client.Images.TagImageAsync(source, new ImageTagParameters { RepositoryName = repository, Tag = tag }, cancellationToken),
            $"POST /images/{source}/tag");
    }

    /// <inheritdoc />
    public async Task<StepRunResult> RunStepAsync(StepRunRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await InspectImageOrNullAsync(request.Image, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new KtException(DockerErrorCodes.ImageNotFound,
                $"image '{request.Image}' is not in the Docker engine at {_connection.Endpoint} (Kt never pulls; load or build it first).");
        }

        var created = await Call(() => Client.Containers.CreateContainerAsync(StepContainer(request), cancellationToken), "POST /containers/create")
            .ConfigureAwait(false);
        string? temporaryImage = null;
        try
        {
            var output = new OutputLineCollector(request.Output, OutputTailLines);
            var exitCode = await RunAndStreamAsync(created.ID, output, cancellationToken).ConfigureAwait(false);
            if (exitCode == 0)
            {
                var commit = await Call(() => Client.Images.CommitContainerChangesAsync(
                    new CommitContainerChangesParameters { ContainerID = created.ID, Pause = false, Comment = "kt step (temporary)" },
                    cancellationToken), "POST /commit").ConfigureAwait(false);
                temporaryImage = commit.ID;
                await WriteTopLayerAsync(temporaryImage, request.LayerTarPath, cancellationToken).ConfigureAwait(false);
            }

            return new StepRunResult(exitCode, output.Tail);
        }
        finally
        {
            // Cleanup must run even when the caller cancelled, hence CancellationToken.None.
            await ForceRemoveContainerAsync(created.ID).ConfigureAwait(false);
            if (temporaryImage is not null)
            {
                await RemoveTemporaryImageAsync(temporaryImage).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsConnection)
        {
            _connection.Dispose();
        }
    }

    private CreateContainerParameters StepContainer(StepRunRequest request) => new()
    {
        Image = request.Image,
        // An empty entrypoint makes the engine ignore the image's ENTRYPOINT, so the shell always runs the step.
        Entrypoint = [],
        Cmd = ["/bin/sh", "-c", request.Shell],
        Env = request.Environment.Select(pair => $"{pair.Key}={pair.Value}").ToList(),
        // Empty means "the image's own", which is what a null in the request asks for.
        WorkingDir = request.WorkingDirectory ?? "",
        User = request.User ?? "",
        AttachStdout = true,
        AttachStderr = true,
        Tty = false,
        Labels = new Dictionary<string, string>(StepLabels) { [StepLabel] = "true" },
    };

    private async Task<int> RunAndStreamAsync(string containerId, OutputLineCollector output, CancellationToken cancellationToken)
    {
        // Attach before start so not a byte of early output is missed.
        using var stream = await Call(() => Client.Containers.AttachContainerAsync(containerId,
            new ContainerAttachParameters { Stream = true, Stdout = true, Stderr = true }, cancellationToken), "POST /attach").ConfigureAwait(false);
        await Call(() => Client.Containers.StartContainerAsync(containerId, new ContainerStartParameters(), cancellationToken), "POST /start")
            .ConfigureAwait(false);

        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false);
            if (read.EOF)
            {
                break;
            }

            output.Append(read.Target == MultiplexedStream.TargetStream.StandardError, buffer.AsSpan(0, read.Count));
        }

        output.Complete();
        var wait = await Call(() => Client.Containers.WaitContainerAsync(containerId, cancellationToken), "POST /wait").ConfigureAwait(false);
        return checked((int)wait.StatusCode);
    }

    private async Task WriteTopLayerAsync(string imageId, string layerTarPath, CancellationToken cancellationToken)
    {
        var inspect = await Call(() => Client.Images.InspectImageAsync(imageId, cancellationToken), "GET /images/json").ConfigureAwait(false);
        var diffId = inspect.RootFS?.Layers?.LastOrDefault()
            ?? throw new KtException(DockerErrorCodes.LayerExtractionFailed, $"committed step image {imageId} reports no layers.");
        var directory = Path.GetDirectoryName(Path.GetFullPath(layerTarPath));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var response = await Call(() => Client.Images.SaveImageAsync(imageId, cancellationToken), "GET /images/get").ConfigureAwait(false);
        await using var archive = new ZeroLengthReadGuardStream(response);
        await StepLayerExtractor.ExtractLastLayerAsync(archive, diffId, layerTarPath, cancellationToken).ConfigureAwait(false);
    }

    private async Task ForceRemoveContainerAsync(string containerId)
    {
        try
        {
            await Client.Containers.RemoveContainerAsync(containerId, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (DockerContainerNotFoundException)
        {
        }
    }

    private async Task RemoveTemporaryImageAsync(string imageId)
    {
        try
        {
            // NoPrune: the step's base may itself be an untagged intermediate image that must survive.
            await Client.Images.DeleteImageAsync(imageId, new ImageDeleteParameters { Force = true, NoPrune = true }, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (DockerImageNotFoundException)
        {
        }
    }

    private async Task<ImageInspectResponse?> InspectImageOrNullAsync(string reference, CancellationToken cancellationToken)
    {
        try
        {
            return await Client.Images.InspectImageAsync(reference, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerImageNotFoundException)
        {
            return null;
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (DockerApiException ex)
        {
            throw RequestFailed($"GET /images/{reference}/json", ex);
        }
    }

    private static async Task<T> Call<T>(Func<Task<T>> request, string what)
    {
        try
        {
            return await request().ConfigureAwait(false);
        }
        catch (DockerApiException ex)
        {
            throw RequestFailed(what, ex);
        }
    }

    private static async Task Call(Func<Task> request, string what)
    {
        try
        {
            await request().ConfigureAwait(false);
        }
        catch (DockerApiException ex)
        {
            throw RequestFailed(what, ex);
        }
    }

    internal static KtException RequestFailed(string what, DockerApiException ex) =>
        new(DockerErrorCodes.EngineRequestFailed,
            string.Create(CultureInfo.InvariantCulture, $"the Docker engine refused {what} (HTTP {(int)ex.StatusCode}): {EngineMessage(ex)}"), ex);

    private static string EngineMessage(DockerApiException ex)
    {
        var body = ex.ResponseBody?.Trim() ?? "";
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(body);
            if (json.RootElement.TryGetProperty("message", out var message) && message.GetString() is { } text)
            {
                return text;
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return body;
    }

    /// <summary>Collects load progress synchronously (Progress&lt;T&gt; would post to the thread pool and race the check).</summary>
    private sealed class CollectingProgress : IProgress<JSONMessage>
    {
        public string? FirstError { get; private set; }

        public void Report(JSONMessage value)
        {
            FirstError ??= value.Error?.Message is { Length: > 0 } message ? message : null;
        }
    }
}
