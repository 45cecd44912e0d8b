using Kt.Core;
using Kt.ImageCompiler.Dockerfiles;
using Kt.ImageCompiler.Keys;
using Kt.ImageCompiler.Model;

namespace Kt.ImageCompiler.Resolution;

/// <summary>
/// Resolves a definition against a project folder: walks the steps in order, tracking environment, working directory
/// and user; resolves the files copy/sync/app place; and chains the step keys. Pure: reads files, writes nothing.
/// </summary>
public sealed class DefinitionResolver
{
    private readonly string _projectRoot;
    private readonly FileSetResolver _files;

    public DefinitionResolver(string projectRoot)
    {
        _projectRoot = Path.GetFullPath(projectRoot);
        _files = new FileSetResolver(_projectRoot);
    }

    /// <param name="baseEnvironment">The base image's environment when known (from its config or the pod), for expansion.</param>
    /// <param name="baseWorkingDirectory">The base image's working directory when known.</param>
    public ResolvedImage Resolve(ImageDefinition definition, IReadOnlyDictionary<string, string>? baseEnvironment = null, string? baseWorkingDirectory = null)
    {
        var environment = new Dictionary<string, string>(baseEnvironment ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        var defined = new List<string>();
        string? workingDirectory = baseWorkingDirectory;
        string? user = null;
        var rootKey = StepKey.Root(definition.Base.Reference);
        var previous = rootKey;
        var resolved = new List<ResolvedStep>();

        foreach (var step in definition.Steps)
        {
            var files = step switch
            {
                CopyStep copy => _files.ResolveCopy(copy.Source, ImagePaths.Absolute(copy.Destination, workingDirectory), copy.Origin),
                SyncStep sync => _files.ResolveSync(sync.Source, ImagePaths.Absolute(sync.Destination, workingDirectory), sync.Origin),
                _ => [],
            };
            // A copy's destination counts in the key as resolved (absolute): the same relative destination under another
            // working directory places files elsewhere.
            var arguments = step switch
            {
                CopyStep copy => [copy.CanonicalArguments[0], ImagePaths.Absolute(copy.Destination, workingDirectory)],
                SyncStep sync => [sync.CanonicalArguments[0], ImagePaths.Absolute(sync.Destination, workingDirectory)],
                _ => step.CanonicalArguments,
            };
            var key = StepKey.Chain(previous, step.Kind, arguments, Fingerprints(files));
            var stepEnvironment = new Dictionary<string, string>(environment, StringComparer.Ordinal);

            switch (step)
            {
                case SetEnvStep env:
                    environment[env.Name] = EnvironmentExpander.Expand(env.Value, environment);
                    if (!defined.Contains(env.Name))
                    {
                        defined.Add(env.Name);
                    }

                    stepEnvironment = new Dictionary<string, string>(environment, StringComparer.Ordinal);
                    break;
                case WorkDirStep workDir:
                    workingDirectory = ImagePaths.Absolute(EnvironmentExpander.Expand(workDir.Path, environment), workingDirectory).TrimEnd('/');
                    if (workingDirectory.Length == 0)
                    {
                        workingDirectory = "/";
                    }

                    break;
                case UserStep userStep:
                    user = EnvironmentExpander.Expand(userStep.User, environment);
                    break;
            }

            resolved.Add(new ResolvedStep
            {
                Index = resolved.Count,
                Key = key,
                Kind = step.Kind,
                Effect = step.Effect,
                Description = step.Describe(),
                Force = step.Force,
                Step = step,
                Shell = CommandFor(step),
                Environment = stepEnvironment,
                WorkingDirectory = workingDirectory,
                User = user,
                Files = files,
                Destination = step switch
                {
                    CopyStep c => DestinationFolder(c, files, workingDirectory),
                    SyncStep s => ImagePaths.Absolute(s.Destination, workingDirectory).TrimEnd('/'),
                    _ => null,
                },
                Packages = step switch
                {
                    AptInstallStep a => a.Packages,
                    PipInstallStep p => p.Packages,
                    DotnetToolStep t => [t.Name],
                    _ => null,
                },
            });
            previous = key;
        }

        foreach (var bundle in definition.Bundles)
        {
            var files = _files.ResolveBundle(bundle);
            var key = StepKey.Chain(previous, StepKinds.Bundle, [bundle.Name, bundle.Destination], Fingerprints(files));
            resolved.Add(FilesStep(resolved.Count, key, StepKinds.Bundle, $"{bundle.Name} ({files.Count} files)", files, bundle.Destination, environment, workingDirectory, user));
            previous = key;
        }

        IReadOnlyList<string>? entrypoint = definition.Base.Entrypoint;
        IReadOnlyList<string>? cmd = definition.Base.Cmd;
        if (definition.App is { } app)
        {
            foreach (var part in ResolveApp(app, environment, workingDirectory, user, ref previous, resolved.Count))
            {
                resolved.Add(part);
            }

            workingDirectory = app.WorkingDirectory;
            entrypoint = app.Entrypoint;
            cmd = app.Arguments;
        }

        return new ResolvedImage
        {
            BaseReference = definition.Base.Reference,
            RootKey = rootKey,
            Steps = resolved,
            Environment = environment,
            DefinedVariables = defined,
            WorkingDirectory = workingDirectory,
            User = user,
            Entrypoint = entrypoint,
            Cmd = cmd,
            Labels = definition.Labels,
            ExposedPorts = definition.ExposedPorts,
        };
    }

    private List<ResolvedStep> ResolveApp(AppSpec app, IReadOnlyDictionary<string, string> environment, string? workingDirectory,
        string? user, ref StepKey previous, int firstIndex)
    {
        var publish = Path.GetFullPath(Path.Combine(_projectRoot, app.PublishDirectory));
        if (!Directory.Exists(publish) || (app.EntryAssembly is not null && !File.Exists(Path.Combine(publish, app.EntryAssembly))))
        {
            throw new KtException(ImageErrors.AppMissing,
                $"the app's publish folder '{app.PublishDirectory}' does not exist or lacks '{app.EntryAssembly}'; run dotnet publish first.");
        }

        var all = _files.ResolveFolder(publish, app.WorkingDirectory, checkInsideRoot: false, origin: null)
            .Where(f => !f.ImagePath.EndsWith("/" + ProjectDefinition.FileName, StringComparison.Ordinal))
            .ToList();
        var assetParts = app.EntryAssembly is null ? new Dictionary<string, AppPart>() : AppLayerSplitter.ReadDepsFile(publish, app.EntryAssembly);
        var prefix = app.WorkingDirectory.TrimEnd('/') + "/";
        var steps = new List<ResolvedStep>();
        foreach (var part in Enum.GetValues<AppPart>())
        {
            var files = all.Where(f => AppLayerSplitter.Classify(f.ImagePath[prefix.Length..], assetParts) == part).ToList();
            if (files.Count == 0 && part != AppPart.App)
            {
                continue; // no empty layers: an app without packages or project references has fewer parts
            }

            var key = StepKey.Chain(previous, StepKinds.App, [part.ToString().ToLowerInvariant(), app.WorkingDirectory, string.Join(' ', app.Entrypoint), .. app.Arguments is null ? Array.Empty<string>() : [string.Join(' ', app.Arguments)]], Fingerprints(files));
            var description = part switch
            {
                AppPart.Packages => $"{PackagesLayerDescription} ({files.Count} files)",
                AppPart.Projects => $"app project references ({files.Count} files)",
                _ => $"app own files ({files.Count} files)",
            };
            steps.Add(FilesStep(firstIndex + steps.Count, key, StepKinds.App, description, files, app.WorkingDirectory, environment, workingDirectory, user));
            previous = key;
        }

        return steps;
    }

    /// <summary>A step that only places files Kt chose (a bundle, a part of the app): a layer of its own.</summary>
    private static ResolvedStep FilesStep(int index, StepKey key, string kind, string description, IReadOnlyList<ResolvedFile> files, string destination,
        IReadOnlyDictionary<string, string> environment, string? workingDirectory, string? user) => new()
        {
            Index = index,
            Key = key,
            Kind = kind,
            Effect = StepEffect.Files,
            Description = description,
            Environment = environment,
            WorkingDirectory = workingDirectory,
            User = user,
            Files = files,
            Destination = destination,
        };

    private static string DestinationFolder(CopyStep copy, IReadOnlyList<ResolvedFile> files, string? workingDirectory)
    {
        var destination = ImagePaths.Absolute(copy.Destination, workingDirectory);
        // A single file copied to a file path: its folder is the parent.
        return destination.EndsWith('/') || files.Count != 1 || files[0].ImagePath != destination
            ? destination.TrimEnd('/')
            : destination[..destination.LastIndexOf('/')] is { Length: > 0 } parent ? parent : "/";
    }

    private static List<FileFingerprint> Fingerprints(IReadOnlyList<ResolvedFile> files) =>
        files.Select(f => new FileFingerprint(f.ImagePath, f.Mode, f.Sha256)).ToList();

    /// <summary>How the app layer of NuGet package assets is described (its history entry and progress line start so).</summary>
    public const string PackagesLayerDescription = "app NuGet packages";

    /// <summary>The shell text a command step runs: the same in a Dockerfile RUN, an engine step and a live pod.</summary>
    public static string? CommandFor(SetupStep step) => step switch
    {
        AptInstallStep apt => AptCommand(apt.Packages),
        PipInstallStep pip => PipCommand(pip.Packages),
        DotnetToolStep tool => ToolCommand(tool.Name, tool.Version, tool.ToolPath),
        RunStep run => run.Command,
        _ => null,
    };

    // apt's caches and logs carry timestamps; dropping them keeps the layer a function of what was installed.
    // Dependencies a lockfile pins are named on the command line, which would record them as manually installed:
    // marking them automatic again keeps apt's state (and so the layer) as an unpinned install left it.
    internal static string AptCommand(IEnumerable<string> packages, IReadOnlyCollection<string>? dependencies = null) =>
        "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "
        + string.Join(' ', packages.Select(ShellWords.Quote))
        + (dependencies is { Count: > 0 } ? " && apt-mark auto " + string.Join(' ', dependencies.Select(ShellWords.Quote)) + " >/dev/null" : "")
        + " && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/ldconfig/aux-cache /var/log/apt/* /var/log/dpkg.log";

    // A pip step runs the image's own Python. PIP_BREAK_SYSTEM_PACKAGES lets pip install into a distribution's Python
    // (Debian 12+ marks it externally managed, PEP 668), which is what an image is for; older pips ignore the variable.
    internal static string PipCommand(IEnumerable<string> packages) =>
        Requires("python3 -m pip --version >/dev/null 2>&1", ImageErrors.PipUnavailable, StepPrerequisites.PipNeeds)
        + "PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --no-cache-dir " + string.Join(' ', packages.Select(ShellWords.Quote));

    // dotnet tool install needs an SDK; a runtime image (mcr.microsoft.com/dotnet/runtime) has the host but no SDK.
    internal static string ToolCommand(string name, string? version, string toolPath) =>
        Requires("[ -n \"$(dotnet --list-sdks 2>/dev/null)\" ]", ImageErrors.DotnetSdkUnavailable, StepPrerequisites.DotnetSdkNeeds)
        + $"dotnet tool install --tool-path {ShellWords.Quote(toolPath)} {ShellWords.Quote(name)}"
        + (version is null ? "" : " --version " + ShellWords.Quote(version));

    /// <summary>A POSIX guard that stops the step with a Kt message (ending with its code) when <paramref name="test"/> fails.</summary>
    private static string Requires(string test, string code, string message) =>
        $"if ! {test}; then echo {ShellWords.Quote($"{message} ({code})")} >&2; exit 97; fi; ";
}
