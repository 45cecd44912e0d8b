using System.Reflection;
using System.Runtime.Loader;

namespace Kt.Watch;

/// <summary>
/// Makes this process compile with the SDK's own compiler (<c>$(RoslynTargetsPath)/bincore</c>), not a copy of its
/// own. The bytes of an assembly depend on the compiler's version (the PDB records it and the PE records the PDB's
/// hash), so only the very compiler <c>dotnet build</c> runs can emit the same assembly. Kt.Watch carries no compiler:
/// the first use of a Roslyn type resolves here. One compiler per process: the first project's SDK wins.
/// </summary>
internal static class SdkCompiler
{
    private static readonly Lock Gate = new();
    private static string? _directory;

    /// <summary>Where the compiler in use was loaded from (null before <see cref="Use"/>).</summary>
    public static string? Directory => _directory;

    public static void Use(string roslynTargetsPath)
    {
        var directory = Path.Combine(Path.GetFullPath(roslynTargetsPath), "bincore");
        if (!File.Exists(Path.Combine(directory, "Microsoft.CodeAnalysis.CSharp.dll")))
        {
            throw new KtException(WatchErrors.CompilerNotFound,
                $"no C# compiler in {directory} (RoslynTargetsPath of the project's SDK); is the .NET SDK installation complete?");
        }

        lock (Gate)
        {
            if (_directory is not null)
            {
                return;
            }

            _directory = directory;
            AssemblyLoadContext.Default.Resolving += Resolve;
        }
    }

    private static Assembly? Resolve(AssemblyLoadContext context, AssemblyName name)
    {
        if (_directory is null || name.Name is null || !name.Name.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal))
        {
            return null;
        }

        var file = Path.Combine(_directory, name.Name + ".dll");
        return File.Exists(file) ? context.LoadFromAssemblyPath(file) : null;
    }
}
