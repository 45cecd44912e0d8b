using Kt.Docker;
using Kt.Oci;

namespace Kt.Workflows;

/// <summary>
/// One base image reference serves the docker dev loop and the freeze: the base is read from its registry and, where
/// the registry does not have it (or cannot be reached) but this machine's Docker engine does, from the engine as
/// <c>docker save</c> writes it. In neither: one error naming both places and how to make either see the image.
/// </summary>
internal sealed class BaseImageSource(IImageSource registry, string reference, string scratchFolder, bool useEngine = true) : IImageSource, IAsyncDisposable
{
    private string? _tarball;
    private DockerEngine? _engine;

    public string Description => _tarball is null ? registry.Description : $"the local Docker engine's {reference}";

    /// <summary>True once the base came from the engine (its layers are then the engine's uncompressed ones).</summary>
    public bool FromEngine => _tarball is not null;

    public async Task<OciImage> LoadAsync(Platform? platform = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await registry.LoadAsync(platform, cancellationToken).ConfigureAwait(false);
        }
        catch (KtException fromRegistry) when (useEngine)
        {
            string where;
            try
            {
                _engine ??= await DockerEngine.ConnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                if (await _engine.ImageExistsAsync(reference, cancellationToken).ConfigureAwait(false))
                {
                    Directory.CreateDirectory(scratchFolder);
                    _tarball = Path.Combine(scratchFolder, $"kt-base-{Guid.NewGuid():N}.tar");
                    await _engine.SaveImageAsync(reference, _tarball, cancellationToken).ConfigureAwait(false);
                    return await new TarballImageSource(_tarball).LoadAsync(platform, cancellationToken).ConfigureAwait(false);
                }

                where = $"nor in the Docker engine at {_engine.Connection.Endpoint}";
            }
            catch (KtException fromEngine) when (fromEngine.Code.StartsWith("KT3", StringComparison.Ordinal))
            {
                where = $"and no Docker engine answered to look there ({fromEngine.Message})";
            }

            throw new KtException(WorkflowErrors.BaseImageNotFound,
                $"the base image '{reference}' is not in its registry ({fromRegistry.Message}) {where}. Push it to a registry (docker push, skopeo copy) for freezes "
                + "and clusters, or load it into the engine (docker pull, docker load) to freeze on this machine.", fromRegistry);
        }
    }

    public ValueTask DisposeAsync()
    {
        _engine?.Dispose();
        if (_tarball is not null)
        {
            File.Delete(_tarball);
        }

        return ValueTask.CompletedTask;
    }
}
