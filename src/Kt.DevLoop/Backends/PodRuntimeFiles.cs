using System.Runtime.InteropServices;

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
