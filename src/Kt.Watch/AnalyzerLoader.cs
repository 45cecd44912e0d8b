using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;

namespace Kt.Watch;

/// <summary>
/// Loads analyzer and generator assemblies the way the compiler server does: one load context per folder, so a
/// generator's own dependencies come from next to it, while the compiler API and the framework are shared with this
/// process (a generator must see the very <c>Microsoft.CodeAnalysis</c> types the compilation is made of).
/// </summary>
internal sealed class AnalyzerLoader : IAnalyzerAssemblyLoader
{
    private readonly ConcurrentDictionary<string, FolderContext> _contexts = new(StringComparer.Ordinal);

    public void AddDependencyLocation(string fullPath)
    {
    }

    public Assembly LoadFromPath(string fullPath)
    {
        var folder = Path.GetDirectoryName(fullPath)!;
        return _contexts.GetOrAdd(folder, f => new FolderContext(f)).LoadFromAssemblyPath(fullPath);
    }

    private sealed class FolderContext(string folder) : AssemblyLoadContext("kt-analyzers:" + folder)
    {
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            if (assemblyName.Name is null || assemblyName.Name.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal))
            {
                return null;
            }

            var file = Path.Combine(folder, assemblyName.Name + ".dll");
            return File.Exists(file) ? LoadFromAssemblyPath(file) : null;
        }
    }
}
