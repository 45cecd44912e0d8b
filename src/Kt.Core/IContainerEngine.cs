namespace Kt.Core;

/// <summary>
/// The one seam through which Kt reaches a container engine to run setup commands. The image compiler depends on
/// this interface only; Kt.Docker implements it with Docker.DotNet, tests can run it for real.
/// </summary>
public interface IContainerEngine
{
    /// <summary>Checks that the engine answers; returns its negotiated API version and platform.</summary>
    Task<EngineInfo> PingAsync(CancellationToken cancellationToken = default);

    /// <summary>True when the engine has an image with this reference or id.</summary>
    Task<bool> ImageExistsAsync(string reference, CancellationToken cancellationToken = default);

    /// <summary>Loads an image tarball (docker-archive, with manifest.json) into the engine.</summary>
    Task LoadImageAsync(Stream tarball, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs one setup command in a fresh container of <see cref="StepRunRequest.Image"/>, and returns the filesystem
    /// change it made as an uncompressed layer tar (with OCI whiteouts for deletions) written to
    /// <see cref="StepRunRequest.LayerTarPath"/>. A non-zero exit is not an exception: it is in the result.
    /// </summary>
    Task<StepRunResult> RunStepAsync(StepRunRequest request, CancellationToken cancellationToken = default);

    /// <summary>Removes an image the engine holds (used to clean temporary step images).</summary>
    Task RemoveImageAsync(string reference, CancellationToken cancellationToken = default);
}

public sealed record EngineInfo(string ApiVersion, string Os, string Architecture, string ServerVersion);

/// <param name="Image">Image reference or id in the engine to start from.</param>
/// <param name="Shell">Text run with <c>/bin/sh -c</c>.</param>
/// <param name="Environment">Environment for the command.</param>
/// <param name="WorkingDirectory">Working directory, or null for the image's.</param>
/// <param name="User">User, or null for the image's.</param>
/// <param name="LayerTarPath">Where to write the uncompressed diff tar.</param>
/// <param name="Output">Receives each line of stdout/stderr as it is produced.</param>
public sealed record StepRunRequest(
    string Image,
    string Shell,
    IReadOnlyDictionary<string, string> Environment,
    string? WorkingDirectory,
    string? User,
    string LayerTarPath,
    Action<string>? Output = null);

public sealed record StepRunResult(int ExitCode, string OutputTail);
