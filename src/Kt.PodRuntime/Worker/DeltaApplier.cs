using System.Reflection;
using System.Reflection.Metadata;

namespace Kt.PodRuntime.Worker;

/// <summary>
/// Applies one generation of IL deltas to the assemblies of the current code generation, in the running process: the
/// instances, statics and native resources the code holds stay, and the next call runs the new method bodies. Then, as
/// <c>dotnet watch</c>'s agent does, every <c>[MetadataUpdateHandler]</c> type (the user's, and the framework's own:
/// System.Text.Json, ASP.NET) gets <c>ClearCache(Type[])</c>, then <c>UpdateApplication(Type[])</c>.
/// </summary>
internal static class DeltaApplier
{
    /// <summary>The runtime's Edit-and-Continue capabilities (space separated), empty when it applies no deltas.</summary>
    /// <remarks>
    /// The runtime says it through an internal method (what the SDK's hot-reload agent asks too); it applies deltas only
    /// when the process started with <c>DOTNET_MODIFIABLE_ASSEMBLIES=debug</c> (<see cref="MetadataUpdater.IsSupported"/>).
    /// </remarks>
    public static string Capabilities()
    {
        if (!MetadataUpdater.IsSupported)
        {
            return "";
        }

        var method = typeof(MetadataUpdater).GetMethod("GetCapabilities", BindingFlags.NonPublic | BindingFlags.Static, Type.EmptyTypes);
        return method?.Invoke(null, null) as string ?? "Baseline";
    }

    /// <exception cref="DeltaFailure">The delta cannot be applied here; nothing was changed when it is a mismatch.</exception>
    public static void Apply(CodeGeneration generation, IReadOnlyList<AssemblyDelta> updates)
    {
        if (!MetadataUpdater.IsSupported)
        {
            throw new DeltaFailure(RuntimeErrorCodes.DeltaUnsupported, "the worker's runtime applies no IL deltas (DOTNET_MODIFIABLE_ASSEMBLIES is not debug).");
        }

        // Every module is checked before anything is applied: a delta for other bytes than those loaded is refused whole.
        var targets = new List<(Assembly Assembly, AssemblyDelta Delta)>();
        foreach (var update in updates)
        {
            Assembly assembly;
            try
            {
                assembly = generation.UserAssembly(update.Assembly);
            }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
            {
                throw new DeltaFailure(RuntimeErrorCodes.DeltaBaseMismatch, $"version {generation.Version} has no assembly {update.Assembly}.");
            }

            if (assembly.ManifestModule.ModuleVersionId != update.ModuleId)
            {
                throw new DeltaFailure(RuntimeErrorCodes.DeltaBaseMismatch,
                    $"{update.Assembly} of version {generation.Version} is module {assembly.ManifestModule.ModuleVersionId}, the delta is for {update.ModuleId}.");
            }

            targets.Add((assembly, update));
        }

        var types = new List<Type>();
        foreach (var (assembly, update) in targets)
        {
            try
            {
                MetadataUpdater.ApplyUpdate(assembly, update.Metadata, update.IL, update.Pdb);
            }
            catch (InvalidOperationException e)
            {
                throw new DeltaFailure(RuntimeErrorCodes.DeltaRefused, $"the runtime refused the delta to {update.Assembly}: {e.Message}");
            }

            types.AddRange(update.UpdatedTypes.Select(token => ResolveType(assembly, token)).OfType<Type>());
        }

        NotifyHandlers(generation, [.. types]);
    }

    private static Type? ResolveType(Assembly assembly, int token)
    {
        try
        {
            return assembly.ManifestModule.ResolveType(token);
        }
        catch (ArgumentException)
        {
            return null; // a token the delta added that reflection cannot name (e.g. a compiler-generated closure)
        }
    }

    // Framework handlers first (they are what user handlers build on), each ClearCache before any UpdateApplication.
    private static void NotifyHandlers(CodeGeneration generation, Type[] types)
    {
        var handlers = AppDomain.CurrentDomain.GetAssemblies().Where(a => !a.IsCollectible)
            .Concat(generation.UserAssemblies)
            .Distinct()
            .SelectMany(a => a.GetCustomAttributes<MetadataUpdateHandlerAttribute>())
            .Select(a => a.HandlerType)
            .Distinct()
            .ToList();
        foreach (var name in new[] { "ClearCache", "UpdateApplication" })
        {
            foreach (var handler in handlers)
            {
                var method = handler.GetMethod(name, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, [typeof(Type[])]);
                try
                {
                    method?.Invoke(null, [types]);
                }
                catch (TargetInvocationException e)
                {
                    // A handler's failure is the user's to see, not a reason to leave the others uninformed.
                    Console.Error.WriteLine($"kt: {handler.FullName}.{name} threw {e.InnerException?.GetType().Name}: {e.InnerException?.Message}");
                }
            }
        }
    }
}

/// <summary>Why a delta was not applied: a KT407x code and a sentence.</summary>
internal sealed class DeltaFailure(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
