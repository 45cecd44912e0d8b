using System.Reflection;
using System.Runtime.Loader;

namespace Kt.PodRuntime.Worker;

/// <summary>
/// A collectible load context over one version folder. Framework assemblies come from the default context (so
/// <c>string</c> is the same type on both sides); everything else is resolved as the .NET host resolves it for
/// <c>dotnet App.dll</c>: through the app's <c>deps.json</c> (managed, native and satellite assets, with the RID
/// fallback of this machine) when the folder has an app, else by file name in the folder.
/// </summary>
internal sealed class UserLoadContext : AssemblyLoadContext
{
    private static readonly HashSet<string> FrameworkAssemblies = ReadFrameworkAssemblies();
    private readonly string _directory;
    private readonly AssemblyDependencyResolver? _resolver;

    public UserLoadContext(string directory, string name, UserApp? app)
        : base(name, isCollectible: true)
    {
        _directory = directory;
        _resolver = app?.DepsFile is null ? null : CreateResolver(app.EntryAssembly);
    }

    public static bool IsFrameworkAssembly(string simpleName) => FrameworkAssemblies.Contains(simpleName);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is null || IsFrameworkAssembly(assemblyName.Name))
        {
            return null;
        }

        var path = _resolver?.ResolveAssemblyToPath(assemblyName) ?? ProbeManaged(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver?.ResolveUnmanagedDllToPath(unmanagedDllName) ?? ProbeNative(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }

    // A deps.json the host cannot read is not fatal here: the folder is probed by name, as for a bare folder.
    private static AssemblyDependencyResolver? CreateResolver(string entryAssembly)
    {
        try
        {
            return new AssemblyDependencyResolver(entryAssembly);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private string? ProbeManaged(AssemblyName assemblyName)
    {
        var folder = string.IsNullOrEmpty(assemblyName.CultureName) ? _directory : Path.Combine(_directory, assemblyName.CultureName);
        var candidate = Path.Combine(folder, assemblyName.Name + ".dll");
        return File.Exists(candidate) ? candidate : null;
    }

    private string? ProbeNative(string unmanagedDllName) =>
        new[] { unmanagedDllName, $"lib{unmanagedDllName}.so", $"{unmanagedDllName}.so" }
            .Select(name => Path.Combine(_directory, name))
            .FirstOrDefault(File.Exists);

    private static HashSet<string> ReadFrameworkAssemblies()
    {
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string list)
        {
            foreach (var path in list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                set.Add(Path.GetFileNameWithoutExtension(path));
            }
        }

        return set;
    }
}
