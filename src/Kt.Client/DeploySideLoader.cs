using System.Reflection;
using System.Runtime.Loader;

namespace Kt.Client;

/// <summary>
/// Loads the deploy side the first time a program deploys. It lives in <c>kt-deploy/</c> next to the program (the
/// Kt.Client package copies it into the build output only, so it is never in the app's deps.json, publish folder, pods
/// or frozen images) and loads into an <see cref="AssemblyLoadContext"/> of its own that takes this client and every
/// assembly it references from the default context — the seam's types are the app's own — and everything else
/// (Docker.DotNet, KubernetesClient, YamlDotNet, the workflows) from that folder, so the app's own versions of those
/// libraries never meet Kt's. A program that references the deploy side itself (Kt's own tests) uses it directly.
/// </summary>
internal static class DeploySideLoader
{
    internal const string AssemblyName = "Kt.Client.Deploy";
    private const string EntryType = "Kt.Client.Deploy.WorkflowDeploySide";
    private static readonly Lazy<IDeploySide> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    public static IDeploySide DeploySide => Loaded.Value;

    /// <summary>The folder the deploy side is loaded from: <c>kt-deploy/</c> next to the program.</summary>
    public static string Folder => Path.Combine(AppContext.BaseDirectory, DeploySideLayout.FolderName);

    private static IDeploySide Load()
    {
        var entry = Path.Combine(Folder, AssemblyName + ".dll");
        Assembly assembly;
        if (File.Exists(entry))
        {
            assembly = new DeploySideContext(entry).LoadFromAssemblyPath(entry);
        }
        else
        {
            try
            {
                assembly = Assembly.Load(AssemblyName);
            }
            catch (FileNotFoundException)
            {
                throw new KtException(ClientErrors.DeploySideMissing,
                    $"this program deploys, but {entry} is not there: the Kt.Client package copies its deploy side into the build output (bin/, never the publish folder). Run the program from its build output (dotnet run), or rebuild it.");
            }
        }

        var type = assembly.GetType(EntryType, throwOnError: true)!;
        return (IDeploySide)Activator.CreateInstance(type, nonPublic: true)!;
    }

    private sealed class DeploySideContext(string entry) : AssemblyLoadContext(DeploySideLayout.FolderName)
    {
        private readonly AssemblyDependencyResolver _resolver = new(entry);
        private readonly HashSet<string> _shared = SharedAssemblies();

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            if (assemblyName.Name is null || _shared.Contains(assemblyName.Name))
            {
                return null; // the default context's: one Compute, one DeployReport on both sides
            }

            return _resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
            _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;

        /// <summary>This client and the assemblies it references, transitively: what the app already carries.</summary>
        private static HashSet<string> SharedAssemblies()
        {
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var pending = new Stack<Assembly>([typeof(DeploySideLoader).Assembly]);
            while (pending.TryPop(out var assembly))
            {
                if (!names.Add(assembly.GetName().Name!))
                {
                    continue;
                }

                foreach (var reference in assembly.GetReferencedAssemblies().Where(r => r.Name is not null && !names.Contains(r.Name)))
                {
                    try
                    {
                        pending.Push(Default.LoadFromAssemblyName(reference));
                    }
                    catch (FileNotFoundException)
                    {
                        // Referenced but not shipped (an optional dependency): nothing of it crosses the seam.
                    }
                }
            }

            return names;
        }
    }
}
