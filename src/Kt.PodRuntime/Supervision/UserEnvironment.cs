using System.Collections;
using Kt.PodRuntime.Hosting;

namespace Kt.PodRuntime.Supervision;

/// <summary>
/// The exact environment user code (worker and app processes) runs with: the pod's base environment (the runtime's own
/// minus its secrets, <see cref="Base"/>) with the applied plan's variables on top, plus the SPMD variables of this
/// replica. Docs promise "the base environment with these on top", as an image's ENV lines are. User code runs as the
/// plan's user (a <c>user</c> step, <c>ContainerUser</c>) as a frozen image's process does, with that user's HOME.
/// </summary>
public sealed partial record UserEnvironment(IReadOnlyDictionary<string, string> Variables, string? WorkingDirectory)
{
    private static readonly string[] Secrets = ["KT_TOKEN", "KT_TOKEN_FILE"];

    /// <param name="codeDirectory">Where the code is (KT_CODE_DIR): the root's <c>current</c> link, or a frozen image's app folder.</param>
    /// <param name="planUser">The plan's user (null: the runtime's own); KT4015 when a runtime that is not root would have to switch.</param>
    public static UserEnvironment Create(RuntimeOptions options, IReadOnlyDictionary<string, string>? planEnvironment, string? planWorkingDirectory,
        string? codeDirectory = null, string? planUser = null)
    {
        var variables = OnBase(planEnvironment);
        AddDotnetFallback(variables);
        var user = UserSwitch.For(planUser);
        if (user is not null && planEnvironment?.ContainsKey("HOME") != true)
        {
            // The base's HOME is the runtime user's (an engine sets it from that user's passwd entry); the switched
            // process gets its own, as the engine would give it when the image runs as that user.
            variables["HOME"] = user.Home;
        }

        variables["WORLD_SIZE"] = options.WorldSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        variables["RANK"] = options.Rank.ToString(System.Globalization.CultureInfo.InvariantCulture);
        variables["LOCAL_RANK"] = options.LocalRank.ToString(System.Globalization.CultureInfo.InvariantCulture);
        variables["NODE_RANK"] = options.NodeRank.ToString(System.Globalization.CultureInfo.InvariantCulture);
        variables["MASTER_ADDR"] = options.MasterAddr;
        variables["MASTER_PORT"] = options.MasterPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        variables["KT_SERVICE"] = options.Service;
        variables["KT_POD_NAME"] = options.PodName;
        variables["KT_CODE_DIR"] = codeDirectory ?? Path.Combine(options.Root, "current");
        return new UserEnvironment(variables, planWorkingDirectory) { User = user };
    }

    /// <summary>Who user code runs as when it is not the runtime's own user (null: the runtime's).</summary>
    internal UserSwitch? User { get; init; }

    /// <summary>The pod's base, as GET /journal reports it: captured once, before anything of Kt's can change it.</summary>
    public static PodBase Base => LazyBase.Value;

    /// <summary>The base environment with <paramref name="variables"/> on top (a command step's or the plan's).</summary>
    public static Dictionary<string, string> OnBase(IReadOnlyDictionary<string, string>? variables)
    {
        var merged = new Dictionary<string, string>(Base.Environment, StringComparer.Ordinal);
        foreach (var (name, value) in variables ?? new Dictionary<string, string>())
        {
            merged[name] = value;
        }

        return merged;
    }

    // `dotnet Svc.dll` (Remote.App) and Process.Start("dotnet") must work on every backend, also where the base image has
    // no .NET on PATH (the docker backend mounts it, a frozen image carries it under /kt/dotnet): the .NET running Kt is
    // appended, last, so a base image's own dotnet still wins.
    private static void AddDotnetFallback(Dictionary<string, string> variables)
    {
        if (Environment.ProcessPath is not { } host || Path.GetFileNameWithoutExtension(host) != "dotnet")
        {
            return;
        }

        var path = variables.GetValueOrDefault("PATH") ?? string.Empty;
        var entries = path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        if (!entries.Any(entry => File.Exists(Path.Combine(entry, "dotnet"))))
        {
            variables["PATH"] = path.Length == 0 ? Path.GetDirectoryName(host)! : path + Path.PathSeparator + Path.GetDirectoryName(host);
        }

        variables.TryAdd("DOTNET_ROOT", Path.GetDirectoryName(host)!);
    }

    private static readonly Lazy<PodBase> LazyBase = new(() =>
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            variables[(string)entry.Key] = (string?)entry.Value ?? string.Empty;
        }

        foreach (var secret in Secrets)
        {
            variables.Remove(secret);
        }

        return new PodBase(variables, CurrentUserId(), Environment.CurrentDirectory);
    });

    // The numeric uid, as a Dockerfile USER or ContainerUser names users most often; "root" is uid 0.
    private static string CurrentUserId() =>
        OperatingSystem.IsWindows() ? Environment.UserName : CurrentUid().ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal static uint CurrentUid() => Native.GetUid();

    /// <summary>Hands <paramref name="path"/> (the worker's socket) to the switched user, who must connect to it.</summary>
    internal static void GiveTo(string path, UserSwitch user)
    {
        if (Native.Chown(path, user.Uid, user.Gid) != 0)
        {
            throw new IOException($"chown {path} to {user.Uid}:{user.Gid} failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}).");
        }
    }

    private static partial class Native
    {
        [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "getuid")]
        public static partial uint GetUid();

        [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "chown", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8, SetLastError = true)]
        public static partial int Chown(string path, uint owner, uint group);
    }
}
