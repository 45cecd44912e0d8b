using System.Net.Sockets;
using System.Reflection;
using System.Reflection.Metadata;

namespace Kt.PodRuntime.AppHook;

/// <summary>
/// The pod's agent inside a <c>Remote.App</c> process (as <c>dotnet watch</c>'s agent is inside an app it watches):
/// applies each generation of IL deltas to the app's own loaded assemblies with <c>MetadataUpdater.ApplyUpdate</c>,
/// then tells every <c>[MetadataUpdateHandler]</c> (ASP.NET's and System.Text.Json's caches, the user's) —
/// <c>ClearCache</c>, then <c>UpdateApplication</c>. The process keeps running: its listening socket, its requests in
/// flight and every piece of its state stay, so a handler's body edit is served with no restart and no 502.
/// </summary>
internal static class DeltaAgent
{
    public static void Start()
    {
        var path = Environment.GetEnvironmentVariable(AppDeltaWire.SocketVariable);
        Environment.SetEnvironmentVariable(AppDeltaWire.SocketVariable, null);
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        Socket socket;
        try
        {
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException e)
        {
            // The app runs as it would without Kt; its edits then take the whole reload.
            Console.Error.WriteLine($"kt: the app is not connected for IL deltas ({e.Message}); edits restart it");
            return;
        }

        var stream = new NetworkStream(socket, ownsSocket: true);
        var writer = new BinaryWriter(stream);
        AppDeltaWire.WriteHello(writer, Capabilities());
        new Thread(() => Serve(stream, writer)) { IsBackground = true, Name = "kt delta agent" }.Start();
    }

    private static void Serve(NetworkStream stream, BinaryWriter writer)
    {
        using var reader = new BinaryReader(stream);
        try
        {
            while (true)
            {
                var deltas = AppDeltaWire.ReadDeltas(reader);
                var (outcome, message) = Apply(deltas);
                AppDeltaWire.WriteOutcome(writer, outcome, message);
            }
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or ObjectDisposedException)
        {
            // The pod runtime went away (or restarted the app): nothing more will come.
        }
    }

    // The runtime says it through an internal method (what the SDK's hot-reload agent asks too).
    private static string Capabilities()
    {
        if (!MetadataUpdater.IsSupported)
        {
            return "";
        }

        var method = typeof(MetadataUpdater).GetMethod("GetCapabilities", BindingFlags.NonPublic | BindingFlags.Static, Type.EmptyTypes);
        return method?.Invoke(null, null) as string ?? "Baseline";
    }

    private static (AppDeltaOutcome, string) Apply(IReadOnlyList<AppDelta> deltas)
    {
        if (!MetadataUpdater.IsSupported)
        {
            return (AppDeltaOutcome.Unsupported, "the app's runtime applies no IL deltas (DOTNET_MODIFIABLE_ASSEMBLIES is not debug)");
        }

        // Every module is checked before anything is applied: a delta for other bytes than those loaded is refused whole.
        var targets = new List<(Assembly Assembly, AppDelta Delta)>();
        foreach (var delta in deltas)
        {
            if (Find(delta.Assembly) is not { } assembly)
            {
                return (AppDeltaOutcome.Mismatch, $"the app has no assembly {delta.Assembly}");
            }

            if (assembly.ManifestModule.ModuleVersionId != delta.ModuleId)
            {
                return (AppDeltaOutcome.Mismatch, $"the app runs {delta.Assembly} module {assembly.ManifestModule.ModuleVersionId}, the delta is for {delta.ModuleId}");
            }

            targets.Add((assembly, delta));
        }

        var types = new List<Type>();
        foreach (var (assembly, delta) in targets)
        {
            try
            {
                MetadataUpdater.ApplyUpdate(assembly, delta.Metadata, delta.IL, delta.Pdb);
            }
            catch (InvalidOperationException e)
            {
                return (AppDeltaOutcome.Refused, $"the app's runtime refused the delta to {delta.Assembly}: {e.Message}");
            }

            foreach (var token in delta.UpdatedTypes)
            {
                try
                {
                    types.Add(assembly.ManifestModule.ResolveType(token));
                }
                catch (ArgumentException)
                {
                    // A token the delta added that reflection cannot name (a compiler-generated closure).
                }
            }
        }

        Notify([.. types]);
        return (AppDeltaOutcome.Applied, "");
    }

    // The app's assembly of that name, loading it (as its first use would) when the app has not needed it yet.
    private static Assembly? Find(string name)
    {
        var loaded = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => !a.IsDynamic && string.Equals(a.GetName().Name, name, StringComparison.Ordinal));
        if (loaded is not null)
        {
            return loaded;
        }

        try
        {
            return Assembly.Load(new AssemblyName(name));
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return null;
        }
    }

    // Every handler's ClearCache before any UpdateApplication, as the SDK's agent orders them.
    private static void Notify(Type[] types)
    {
        var handlers = AppDomain.CurrentDomain.GetAssemblies()
            .SelectMany(a => a.GetCustomAttributes<MetadataUpdateHandlerAttribute>())
            .Select(a => a.HandlerType)
            .Distinct()
            .ToList();
        foreach (var name in new[] { "ClearCache", "UpdateApplication" })
        {
            foreach (var handler in handlers)
            {
                try
                {
                    handler.GetMethod(name, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, [typeof(Type[])])?.Invoke(null, [types]);
                }
                catch (TargetInvocationException e)
                {
                    Console.Error.WriteLine($"kt: {handler.FullName}.{name} threw {e.InnerException?.GetType().Name}: {e.InnerException?.Message}");
                }
            }
        }
    }
}
