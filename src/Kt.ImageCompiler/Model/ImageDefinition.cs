namespace Kt.ImageCompiler.Model;

/// <summary>
/// A base image plus ordered setup steps, then the file bundles Kt itself adds (the pod runtime), then optionally the
/// app. Immutable: builders return new instances.
/// </summary>
public sealed record ImageDefinition(ImageBase Base, IReadOnlyList<SetupStep> Steps, AppSpec? App = null)
{
    /// <summary>
    /// Files Kt places itself, one layer each, after the setup steps (so a Kt upgrade never re-runs them) and before
    /// the app (so an app change never rebuilds them). They are part of the frozen image only: a live plan has none.
    /// </summary>
    public IReadOnlyList<FileBundle> Bundles { get; init; } = [];

    /// <summary>Image labels (a Dockerfile's LABEL, the SDK's <c>ContainerLabel</c> items): config only, no layer, no step key.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Exposed ports as <c>8080/tcp</c> (a Dockerfile's EXPOSE, the SDK's <c>ContainerPort</c> items): config only.</summary>
    public IReadOnlyList<string> ExposedPorts { get; init; } = [];

    /// <summary>True when freezing needs a container engine (a step runs a command).</summary>
    public bool NeedsEngine => Steps.Any(s => s.Effect == StepEffect.Command);
}

/// <summary>Where an image starts: an image reference, with the entry point and command a Dockerfile base may set.</summary>
/// <param name="Reference">An image reference such as <c>mcr.microsoft.com/dotnet/runtime:10.0</c>.</param>
/// <param name="Entrypoint">Set by a Dockerfile base's ENTRYPOINT, else null.</param>
/// <param name="Cmd">Set by a Dockerfile base's CMD, else null.</param>
public sealed record ImageBase(string Reference, IReadOnlyList<string>? Entrypoint = null, IReadOnlyList<string>? Cmd = null);

/// <summary>The app: a publish folder and what runs it.</summary>
/// <param name="PublishDirectory">The publish output folder (absolute, or relative to the project root).</param>
/// <param name="EntryAssembly">The main dll in that folder (run with <c>dotnet</c>), or null when <see cref="Command"/> is given.</param>
/// <param name="WorkingDirectory">Where the app's files go in the image.</param>
/// <param name="Command">A command to run instead of <c>dotnet EntryAssembly</c>.</param>
/// <param name="Arguments">The image's default arguments (CMD) after the command, e.g. the pod runtime's options.</param>
public sealed record AppSpec(string PublishDirectory, string? EntryAssembly, string WorkingDirectory = "/app", IReadOnlyList<string>? Command = null,
    IReadOnlyList<string>? Arguments = null)
{
    public IReadOnlyList<string> Entrypoint => Command ?? ["dotnet", EntryAssembly ?? throw new InvalidOperationException("An app needs an entry assembly or a command.")];
}

/// <summary>A folder of this machine (or chosen parts of it) placed at a fixed path in the image as one layer.</summary>
/// <param name="Name">Names the layer in progress lines and the image history (e.g. <c>kt pod runtime</c>).</param>
/// <param name="SourceDirectory">The local folder.</param>
/// <param name="Destination">Absolute folder in the image.</param>
/// <param name="Include">Relative files or folders to take from the source; null takes all of it.</param>
/// <param name="Components">What the bundle installs, as the image's SBOM names it (e.g. the .NET runtime); null: nothing to list.</param>
public sealed record FileBundle(string Name, string SourceDirectory, string Destination, IReadOnlyList<string>? Include = null,
    IReadOnlyList<BundledComponent>? Components = null);

/// <summary>A piece of software a <see cref="FileBundle"/> places, for the SBOM: a CycloneDX component of its layer.</summary>
/// <param name="Type">The CycloneDX component type: <c>framework</c>, <c>application</c>, <c>library</c>.</param>
/// <param name="Name">Its name, e.g. <c>Microsoft.NETCore.App</c>.</param>
/// <param name="Version">Its version.</param>
/// <param name="Purl">Its package URL, the identity vulnerability scanners match on.</param>
public sealed record BundledComponent(string Type, string Name, string Version, string Purl);
