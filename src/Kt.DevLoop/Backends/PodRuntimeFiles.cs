using System.Diagnostics;
using System.Runtime.InteropServices;
using Kt.ImageCompiler.Model;
using Kt.PodRuntime.Protocol;

namespace Kt.DevLoop.Backends;

/// <summary>
/// Finds the pod runtime (<c>kt-runtime/Kt.PodRuntime.dll</c>, shipped next to this assembly, or <c>$KT_RUNTIME_DIR</c>)
/// and the .NET installation that runs it: the same one that runs this process, so nothing is downloaded.
/// </summary>
public sealed record PodRuntimeFiles(string RuntimeDirectory, string DotnetRoot)
{
    public const string FolderName = "kt-runtime";
    public const string AssemblyName = "Kt.PodRuntime.dll";

    public string RuntimeAssembly => Path.Combine(RuntimeDirectory, AssemblyName);

    public string DotnetHost => Path.Combine(DotnetRoot, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");

    /// <summary>
    /// The two layers a frozen image needs to start the runtime on any glibc base (CUDA, PyTorch, plain Debian): the
    /// runtime's files at <see cref="PodRuntimeLayout.RuntimeDirectory"/>, and only the parts of this .NET that run it
    /// (host, hostfxr, Microsoft.NETCore.App and Microsoft.AspNetCore.App of the running version) at
    /// <see cref="PodRuntimeLayout.DotnetRoot"/>; the SDK and other versions stay out.
    /// </summary>
    public IReadOnlyList<FileBundle> ImageBundles()
    {
        var version = Path.GetFileName(Path.TrimEndingDirectorySeparator(RuntimeEnvironment.GetRuntimeDirectory()));
        var fxr = Directory.Exists(Path.Combine(DotnetRoot, "host", "fxr"))
            ? new DirectoryInfo(Path.Combine(DotnetRoot, "host", "fxr")).GetDirectories().Select(d => d.Name)
                .OrderByDescending(v => Version.TryParse(v.Split('-')[0], out var parsed) ? parsed : new Version()).FirstOrDefault()
            : null;
        var include = new List<string> { "dotnet", $"shared/Microsoft.NETCore.App/{version}", $"shared/Microsoft.AspNetCore.App/{version}" };
        if (fxr is not null)
        {
            include.Add($"host/fxr/{fxr}");
        }

        include.AddRange(new[] { "LICENSE.txt", "ThirdPartyNotices.txt" }.Where(f => File.Exists(Path.Combine(DotnetRoot, f))));
        // The SBOM names the shared frameworks by their runtime packs' NuGet ids: the identity .NET's security
        // advisories are filed under, so a scanner matches a vulnerable runtime in the image.
        var rid = RuntimeInformation.RuntimeIdentifier;
        IReadOnlyList<BundledComponent> dotnet =
        [
            new("framework", "Microsoft.NETCore.App", version, $"pkg:nuget/Microsoft.NETCore.App.Runtime.{rid}@{version}"),
            new("framework", "Microsoft.AspNetCore.App", version, $"pkg:nuget/Microsoft.AspNetCore.App.Runtime.{rid}@{version}"),
        ];
        var ktVersion = FileVersionInfo.GetVersionInfo(RuntimeAssembly).ProductVersion ?? "0.0.0";
        return
        [
            new FileBundle($".NET {version} for the kt runtime", DotnetRoot, PodRuntimeLayout.DotnetRoot, include, dotnet),
            new FileBundle("kt pod runtime", RuntimeDirectory, PodRuntimeLayout.RuntimeDirectory,
                Components: [new("application", "kt-pod-runtime", ktVersion, $"pkg:generic/kt-pod-runtime@{Uri.EscapeDataString(ktVersion)}")]),
        ];
    }

    public static PodRuntimeFiles Locate()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("KT_RUNTIME_DIR") is { Length: > 0 } configured)
        {
            candidates.Add(configured);
        }

        candidates.Add(Path.Combine(Path.GetDirectoryName(typeof(PodRuntimeFiles).Assembly.Location) ?? AppContext.BaseDirectory, FolderName));
        candidates.Add(Path.Combine(AppContext.BaseDirectory, FolderName));
        var directory = candidates.FirstOrDefault(c => File.Exists(Path.Combine(c, AssemblyName)))
            ?? throw new KtException(DevLoopErrors.RuntimeNotFound,
                $"the pod runtime ({AssemblyName}) is not in any of: {string.Join(", ", candidates)}. Reference the Kt.Client or Kt.MSBuild package (they ship it), or set KT_RUNTIME_DIR.");
        return new PodRuntimeFiles(Path.GetFullPath(directory), FindDotnetRoot());
    }

    /// <summary>The root of the running .NET (…/shared/Microsoft.NETCore.App/&lt;version&gt;/ is three levels below it).</summary>
    private static string FindDotnetRoot()
    {
        var framework = RuntimeEnvironment.GetRuntimeDirectory();
        var root = Path.GetFullPath(Path.Combine(framework, "..", "..", ".."));
        if (File.Exists(Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet")))
        {
            return root;
        }

        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } configured && Directory.Exists(configured))
        {
            return Path.GetFullPath(configured);
        }

        throw new KtException(DevLoopErrors.RuntimeNotFound, $"no dotnet host next to the running framework ({framework}); set DOTNET_ROOT.");
    }
}
