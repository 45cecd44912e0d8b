using System.Reflection;
using System.Runtime.Loader;

namespace Kt.PodRuntime.Worker;

/// <summary>
/// A collectible load context over one version folder: user assemblies and their dependencies come from that folder,
/// framework assemblies from the default context (so <c>string</c> is the same type on both sides).
/// </summary>
internal sealed class UserLoadContext : AssemblyLoadContext
{
    private static readonly HashSet<string> FrameworkAssemblies = ReadFrameworkAssemblies();
    private readonly string _directory;

    public UserLoadContext(string directory, string name)
        : base(name, isCollectible: true)
    {
        _directory = directory;
    }

    public static bool IsFrameworkAssembly(string simpleName) => FrameworkAssemblies.Contains(simpleName);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is null || IsFrameworkAssembly(assemblyName.Name))
        {
            return null;
        }

        var candidate = Path.Combine(_directory, assemblyName.Name + ".dll");
        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        foreach (var name in new[] { unmanagedDllName, $"lib{unmanagedDllName}.so", $"{unmanagedDllName}.so" })
        {
            var candidate = Path.Combine(_directory, name);
            if (File.Exists(candidate))
            {
                return LoadUnmanagedDllFromPath(candidate);
            }
        }

        return IntPtr.Zero;
    }

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
