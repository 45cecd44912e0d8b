namespace Kt.ImageCompiler.Model;

/// <summary>A base image plus ordered setup steps, then optionally the app. Immutable: builders return new instances.</summary>
public sealed record ImageDefinition(ImageBase Base, IReadOnlyList<SetupStep> Steps, AppSpec? App = null)
{
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
public sealed record AppSpec(string PublishDirectory, string? EntryAssembly, string WorkingDirectory = "/app", IReadOnlyList<string>? Command = null)
{
    public IReadOnlyList<string> Entrypoint => Command ?? ["dotnet", EntryAssembly ?? throw new InvalidOperationException("An app needs an entry assembly or a command.")];
}
