namespace Kt.PodRuntime.Worker;

/// <summary>
/// The app inside a version folder, as the .NET host sees it: the entry assembly that has a
/// <c>&lt;name&gt;.runtimeconfig.json</c> (an executable project's publish output) or at least a
/// <c>&lt;name&gt;.deps.json</c> beside it. A folder with neither (a bare set of assemblies) has no app: its
/// assemblies are probed by file name, as before the host model existed.
/// </summary>
internal sealed record UserApp(string EntryAssembly, string? DepsFile, string? RuntimeConfig)
{
    public static UserApp? Find(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            return null;
        }

        // Ordinal order makes the choice deterministic when a folder holds more than one candidate.
        var withConfig = Candidates(directory, ".runtimeconfig.json");
        var withDeps = Candidates(directory, ".deps.json");
        var entry = withConfig.FirstOrDefault() ?? withDeps.FirstOrDefault();
        if (entry is null)
        {
            return null;
        }

        var deps = Path.ChangeExtension(entry, ".deps.json");
        var config = Path.ChangeExtension(entry, ".runtimeconfig.json");
        return new UserApp(entry, File.Exists(deps) ? deps : null, File.Exists(config) ? config : null);
    }

    private static List<string> Candidates(string directory, string suffix) =>
        System.IO.Directory.EnumerateFiles(directory, "*" + suffix)
            .Select(path => path[..^suffix.Length] + ".dll")
            .Where(File.Exists)
            .Order(StringComparer.Ordinal)
            .ToList();
}
