using System.Globalization;
using System.Runtime.Loader;

namespace Kt.MSBuild;

/// <summary>
/// What the Kt tasks made MSBuild load: the assemblies of the load context MSBuild gave the task assembly, written
/// (name, bytes, path; one a line) to the file <c>KT_LOADED_ASSEMBLIES</c> names after every Kt task, so the last
/// write holds the whole build's set. Set only by <c>bench/Kt.Packaging.Bench</c>; nothing is written otherwise.
/// </summary>
internal static class LoadedAssemblies
{
    public const string Variable = "KT_LOADED_ASSEMBLIES";

    public static void ReportIfAsked()
    {
        if (Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 } file)
        {
            return;
        }

        var context = AssemblyLoadContext.GetLoadContext(typeof(LoadedAssemblies).Assembly);
        var lines = (context?.Assemblies ?? [])
            .Where(a => !a.IsDynamic && a.Location.Length > 0)
            .Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.GetName().Name}\t{new FileInfo(a.Location).Length}\t{a.Location}"))
            .Order(StringComparer.Ordinal);
        try
        {
            File.WriteAllLines(file, lines);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A measurement aid only: the bench then reports the figure as not measured; the build is not failed.
        }
    }
}
