using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Kt.PodRuntime.Errors;

namespace Kt.PodRuntime.Worker;

/// <summary>
/// One loaded code version inside the worker: its collectible load context, type and method caches, class instances
/// and a JSON options instance of its own (System.Text.Json caches type metadata per options instance, and a shared
/// one would keep the context alive). Everything that references user types hangs off this object, so dropping it
/// makes the context collectible.
/// </summary>
internal sealed class CodeGeneration
{
    private readonly ConcurrentDictionary<string, Type> _types = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(Type, string, bool), MethodInfo[]> _methods = new();
    private readonly ConcurrentDictionary<string, object> _instances = new(StringComparer.Ordinal);
    private readonly Lock _instanceLock = new();
    private UserLoadContext? _context;
    private int _inFlight;
    private int _retired;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CodeGeneration(int number, string version, string directory)
    {
        Number = number;
        Version = version;
        Directory = directory;
        App = UserApp.Find(directory);
        _context = new UserLoadContext(directory, $"kt-{number}-{version}", App);
        Json = UserValueJson.Create();
    }

    public int Number { get; }

    /// <summary>The version this generation serves: the one loaded, then <c>X+N</c> after N deltas (<see cref="DeltaApplier"/>).</summary>
    public string Version { get; set; }

    public string Directory { get; }

    /// <summary>The app the folder holds (entry assembly, deps.json, runtimeconfig), or null for a bare folder of assemblies.</summary>
    public UserApp? App { get; }

    public JsonSerializerOptions Json { get; private set; }

    /// <summary>Calls bound to this generation that have not finished.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public void Enter() => Interlocked.Increment(ref _inFlight);

    public void Exit()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && Volatile.Read(ref _retired) == 1)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>Stops new work on this generation; completes when the calls already running on it have finished.</summary>
    public Task RetireAsync()
    {
        Volatile.Write(ref _retired, 1);
        if (Volatile.Read(ref _inFlight) == 0)
        {
            _drained.TrySetResult();
        }

        return _drained.Task;
    }

    /// <summary>Drops every reference to user types and starts the context's unload; returns a weak handle to watch it go.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public WeakReference Unload()
    {
        var context = _context!;
        _context = null;
        _types.Clear();
        _methods.Clear();
        _instances.Clear();
        Json = new JsonSerializerOptions();
        var weak = new WeakReference(context, trackResurrection: false);
        context.Unload();
        return weak;
    }

    /// <summary>
    /// Waits until no call runs on this generation (new ones are held back by the caller: the frame reader). A delta is
    /// applied only then, so that a call runs the old code or the new, never first one and then the other.
    /// </summary>
    public bool WaitIdle(TimeSpan timeout) => SpinWait.SpinUntil(() => Volatile.Read(ref _inFlight) == 0, timeout);

    /// <summary>The user assembly of that simple name in this generation's context, loaded now if no call loaded it yet.</summary>
    public Assembly UserAssembly(string simpleName)
    {
        var context = _context ?? throw new InvalidOperationException("This generation was unloaded.");
        return context.Assemblies.FirstOrDefault(a => a.GetName().Name == simpleName)
            ?? context.LoadFromAssemblyName(new AssemblyName(simpleName));
    }

    /// <summary>The assemblies loaded in this generation's context.</summary>
    public IEnumerable<Assembly> UserAssemblies => _context?.Assemblies ?? [];

    public void ForgetInstance(string typeName) => _instances.TryRemove(typeName, out _);

    public Type ResolveType(string typeName) => _types.GetOrAdd(typeName, FindType);

    public MethodInfo[] ResolveMethods(Type type, string name, bool isStatic) =>
        _methods.GetOrAdd((type, name, isStatic), key =>
        {
            var flags = BindingFlags.Public | (key.Item3 ? BindingFlags.Static : BindingFlags.Instance);
            var found = key.Item1.GetMethods(flags).Where(m => m.Name == key.Item2 && !m.IsGenericMethodDefinition).ToArray();
            if (found.Length == 0)
            {
                found = key.Item1.GetMethods(flags).Where(m => string.Equals(m.Name, key.Item2, StringComparison.OrdinalIgnoreCase) && !m.IsGenericMethodDefinition).ToArray();
            }

            if (found.Length == 0)
            {
                throw new CallFailure(RuntimeErrorCodes.MethodNotFound, 404, $"{(key.Item3 ? "Static" : "Instance")} method '{key.Item2}' was not found on '{key.Item1.FullName}' (version {Version}).");
            }

            return found.OrderBy(m => m.GetParameters().Length).ToArray();
        });

    /// <summary>The class instance of a cls service, created once per generation from its registered init arguments.</summary>
    public object GetInstance(Type type, ReadOnlyMemory<byte> initBody)
    {
        if (_instances.TryGetValue(type.FullName!, out var existing))
        {
            return existing;
        }

        lock (_instanceLock)
        {
            if (_instances.TryGetValue(type.FullName!, out existing))
            {
                return existing;
            }

            var arguments = ArgumentBinder.Parse(initBody);
            var constructor = type.GetConstructors().OrderBy(c => c.GetParameters().Length)
                .FirstOrDefault(c => ArgumentBinder.Fits(c.GetParameters(), arguments))
                ?? throw new CallFailure(RuntimeErrorCodes.BadArguments, 400, $"No public constructor of '{type.FullName}' takes the registered init arguments.");
            var values = ArgumentBinder.Bind(constructor.GetParameters(), arguments, Json, CancellationToken.None);
            var instance = constructor.Invoke(BindingFlags.DoNotWrapExceptions, binder: null, values, culture: null);
            _instances[type.FullName!] = instance;
            return instance;
        }
    }

    private Type FindType(string typeName)
    {
        var context = _context ?? throw new InvalidOperationException("This generation was unloaded.");
        foreach (var path in CandidateAssemblies(typeName))
        {
            Assembly assembly;
            try
            {
                var name = AssemblyName.GetAssemblyName(path);
                assembly = context.Assemblies.FirstOrDefault(a => a.GetName().Name == name.Name) ?? context.LoadFromAssemblyPath(path);
            }
            catch (BadImageFormatException)
            {
                continue; // a native library next to the managed ones
            }
            catch (FileLoadException)
            {
                continue;
            }

            var type = assembly.GetType(typeName, throwOnError: false, ignoreCase: false);
            if (type is not null)
            {
                return type;
            }
        }

        throw new CallFailure(RuntimeErrorCodes.TypeNotFound, 404, $"Type '{typeName}' was not found in the assemblies of version {Version}.");
    }

    // Assemblies whose name is a prefix of the type's namespace are searched first: one load in the common case.
    private IEnumerable<string> CandidateAssemblies(string typeName) =>
        System.IO.Directory.EnumerateFiles(Directory, "*.dll")
            .Select(path => (path, stem: Path.GetFileNameWithoutExtension(path)))
            .Where(c => !UserLoadContext.IsFrameworkAssembly(c.stem))
            .OrderByDescending(c => typeName.StartsWith(c.stem + ".", StringComparison.Ordinal) ? c.stem.Length : -1)
            .ThenBy(c => c.stem, StringComparer.Ordinal)
            .Select(c => c.path);
}
