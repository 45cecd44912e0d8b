namespace Kt.Core;

/// <summary>One setup step as the prerequisite check sees it: its kind, what it installs, the PATH it runs with.</summary>
/// <param name="Kind">The step kind (<c>apt</c>, <c>pip</c>, <c>dotnet-tool</c>, <c>run</c>, …).</param>
/// <param name="Description">The step's progress line, named in the refusal.</param>
/// <param name="Packages">What an apt step installs.</param>
/// <param name="SearchPath">The step's <c>PATH</c>, or null for the usual one.</param>
public sealed record PrerequisiteStep(string Kind, string Description, IReadOnlyList<string>? Packages, string? SearchPath);

/// <summary>A step refused up front: its position in the steps given (0-based) and the error to report.</summary>
public sealed record UnmetPrerequisite(int StepIndex, KtException Error);

/// <summary>
/// What pip and dotnet-tool steps need from the image before them — Python 3 with pip; the .NET SDK — decided before
/// any step runs, where the image's files are known: the base image's layers (a freeze) or the pod's own filesystem
/// (a live plan). Only a sure absence is refused: a step that may bring them (an apt step naming a python / pip /
/// dotnet package) or that cannot be seen into (run, copy, sync) lets every later step through, and the step's own
/// guard (the same code and message) decides when it runs.
/// </summary>
public static class StepPrerequisites
{
    public const string PipUnavailable = "KT1020";
    public const string DotnetSdkUnavailable = "KT1021";

    public const string PipNeeds =
        "a pip step needs Python 3 with pip in the image: start from a Python base image (python:3.12-slim) or add <KtSetup Include=\"apt\" Packages=\"python3-pip\" /> before it";

    public const string DotnetSdkNeeds =
        "a dotnet-tool step needs the .NET SDK in the image: start from mcr.microsoft.com/dotnet/sdk:10.0 (or an image with the SDK installed before this step)";

    private const string DefaultSearchPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    // Where distributions and Microsoft's images put the SDK when `dotnet` on PATH is a link into it.
    private static readonly string[] DotnetRoots = ["/usr/share/dotnet", "/usr/lib/dotnet", "/usr/local/share/dotnet", "/opt/dotnet"];

    /// <summary>
    /// The refusal for the first pip or dotnet-tool step whose prerequisite is surely missing (<c>… (KT1020)</c> /
    /// <c>(KT1021)</c>, naming the step and what it needs), or null when every step may run.
    /// </summary>
    public static UnmetPrerequisite? FirstUnmet(IEnumerable<PrerequisiteStep> steps, IImageFiles files)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(files);
        bool? pip = null, sdk = null; // null: not looked at yet; looked up once, against the image before any step
        var pipMayArrive = false;
        var sdkMayArrive = false;
        var index = -1;
        foreach (var step in steps)
        {
            index++;
            switch (step.Kind)
            {
                case StepKinds.Apt:
                    var packages = step.Packages ?? [];
                    pipMayArrive |= packages.Any(p => p.Contains("python", StringComparison.OrdinalIgnoreCase) || p.Contains("pip", StringComparison.OrdinalIgnoreCase));
                    sdkMayArrive |= packages.Any(p => p.Contains("dotnet", StringComparison.OrdinalIgnoreCase));
                    break;
                case StepKinds.Pip when !pipMayArrive && !(pip ??= HasPythonWithPip(files, step.SearchPath)):
                    return Refusal(PipUnavailable, "the image has no python3 with pip on PATH", PipNeeds, index, step);
                case StepKinds.DotnetTool when !sdkMayArrive && !(sdk ??= HasDotnetSdk(files, step.SearchPath)):
                    return Refusal(DotnetSdkUnavailable, "the image has no .NET SDK", DotnetSdkNeeds, index, step);
                case StepKinds.Pip or StepKinds.DotnetTool or StepKinds.Env or StepKinds.WorkDir or StepKinds.User:
                    break;
                default:
                    return null; // run, copy, sync, …: what they bring cannot be known before they run
            }
        }

        return null;
    }

    private static UnmetPrerequisite Refusal(string code, string lacks, string needs, int index, PrerequisiteStep step) =>
        new(index, new KtException(code, $"setup step {index + 1} '{step.Description}' was refused before any step ran: {lacks} and no step before it installs one; {needs}"));

    /// <summary>
    /// Whether some step could be refused at all, on an image with nothing in it: when not, the image's files need
    /// not be read.
    /// </summary>
    public static UnmetPrerequisite? FirstUnmetOnAnyImage(IEnumerable<PrerequisiteStep> steps) => FirstUnmet(steps, NoFiles.Instance);

    private sealed class NoFiles : IImageFiles
    {
        public static readonly NoFiles Instance = new();

        public bool Exists(string path) => false;

        public IEnumerable<string> Children(string folder) => [];
    }

    /// <summary>
    /// A <c>python3</c> on PATH whose own <c>lib/python3*</c> holds pip (site-packages, or Debian's dist-packages). A
    /// python3 whose folder has no such lib beside it (a pyenv shim, a wrapper) is a layout not known here: allowed.
    /// </summary>
    private static bool HasPythonWithPip(IImageFiles files, string? searchPath) =>
        Folders(searchPath).Where(bin => files.Exists(bin + "/python3")).Any(bin =>
        {
            var lib = Parent(bin) + "/lib";
            var pythons = files.Children(lib).Where(name => name.StartsWith("python3", StringComparison.Ordinal)).ToList();
            return pythons.Count == 0
                || pythons.Any(python => files.Exists($"{lib}/{python}/site-packages/pip/__init__.py") || files.Exists($"{lib}/{python}/dist-packages/pip/__init__.py"));
        });

    /// <summary>
    /// A <c>dotnet</c> host on PATH and an SDK (<c>sdk/&lt;version&gt;/dotnet.dll</c>) in a .NET root: the host's own
    /// folder or a usual root (where a host on PATH links to). A host outside any root found is a layout not known
    /// here: allowed.
    /// </summary>
    private static bool HasDotnetSdk(IImageFiles files, string? searchPath)
    {
        var hosts = Folders(searchPath).Where(bin => files.Exists(bin + "/dotnet")).ToList();
        if (hosts.Count == 0)
        {
            return false;
        }

        var roots = hosts.Concat(DotnetRoots).Distinct(StringComparer.Ordinal).Where(root => files.Exists(root + "/host/fxr")).ToList();
        return roots.Count == 0
            || roots.Any(root => files.Children(root + "/sdk").Any(version => files.Exists($"{root}/sdk/{version}/dotnet.dll")));
    }

    private static IEnumerable<string> Folders(string? searchPath) =>
        (string.IsNullOrEmpty(searchPath) ? DefaultSearchPath : searchPath)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Where(folder => folder.StartsWith('/'))
            .Select(folder => folder.TrimEnd('/'))
            .Where(folder => folder.Length > 0)
            .Distinct(StringComparer.Ordinal);

    private static string Parent(string folder) => folder.LastIndexOf('/') is > 0 and var slash ? folder[..slash] : "";
}
