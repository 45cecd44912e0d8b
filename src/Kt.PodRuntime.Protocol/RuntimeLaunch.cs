using System.Collections;
using System.Globalization;
using Kt.Core;

namespace Kt.PodRuntime.Protocol;

/// <summary>
/// How one pod's runtime is started: where it lives and listens (layout), who it is in its service (identity: service,
/// pod, rank, world size, master) and how it behaves (frozen app, peer, limits). Every backend and the Kubernetes
/// renderer build one; <see cref="Write"/> is the one writer of the runtime's arguments and environment and
/// <see cref="Parse"/> the one reader (the runtime's <c>RuntimeOptions</c> starts from it), so the two cannot drift.
/// </summary>
/// <remarks>
/// Null means "not given": the runtime applies its default. For containers (<see cref="LaunchStyle.Container"/>) the
/// writer puts the layout on the command line (an image's entry point fixes it; <c>--port 32300 --root /kt/data</c>)
/// and everything else in the environment under the names
/// user code and distributed frameworks read (<c>RANK</c>, <c>WORLD_SIZE</c>, <c>MASTER_ADDR</c>, …), the form Docker and
/// Kubernetes share, Kubernetes also where a value is known only per pod (the downward API fills
/// <see cref="Variables.PodName"/> and, for ordinal ranks, <see cref="Variables.Rank"/>). The reader takes either form
/// for every option, the command line winning, as the runtime always has. A local process gets everything as arguments
/// (<see cref="LaunchStyle.CommandLine"/>): its backend finds a runtime's root and world again on its command line.
/// </remarks>
public sealed record RuntimeLaunch
{
    // Layout: written as arguments.
    public int? Port { get; init; }

    /// <summary>The address the runtime binds (0.0.0.0 in pods, 127.0.0.1 for local processes).</summary>
    public string? Bind { get; init; }

    /// <summary>The writable root: journal, blobs, versions.</summary>
    public string? Root { get; init; }

    public string? TokenFile { get; init; }

    /// <summary>A file the bound port is written to (with port 0).</summary>
    public string? PortFile { get; init; }

    /// <summary>Frozen mode: the app folder baked into the image; no sync, no live setup.</summary>
    public string? FrozenApp { get; init; }

    public string? FrozenVersion { get; init; }

    // Identity and behaviour: written as environment.
    public string? Service { get; init; }

    public string? PodName { get; init; }

    public int? WorldSize { get; init; }

    public int? Rank { get; init; }

    public int? LocalRank { get; init; }

    public int? NodeRank { get; init; }

    public string? MasterAddr { get; init; }

    public int? MasterPort { get; init; }

    /// <summary>A running peer of the same service a starting pod catches up from (an http(s) URL).</summary>
    public string? Peer { get; init; }

    public string? SetupEpoch { get; init; }

    public string? AppCommand { get; init; }

    public int? AppPort { get; init; }

    public long? MaxBlobBytes { get; init; }

    public int? MaxGenerations { get; init; }

    public int? KeepVersions { get; init; }

    public long? BlobGraceSeconds { get; init; }

    public long? MaxBodyBytesInFlight { get; init; }

    public int? MaxManifestEntries { get; init; }

    public long? CancelGraceSeconds { get; init; }

    /// <summary>
    /// Where the pod's runtime and worker send spans, metrics and call output over OTLP (OTEL_EXPORTER_OTLP_ENDPOINT);
    /// null: none unless the pod's environment names one. An address the pod can reach (a collector's Service, the
    /// host's address from a container), not necessarily the one the deploying machine uses.
    /// </summary>
    public string? OtlpEndpoint { get; init; }

    /// <summary>OTEL_EXPORTER_OTLP_PROTOCOL: <c>grpc</c> (the SDK's default) or <c>http/protobuf</c>.</summary>
    public string? OtlpProtocol { get; init; }

    /// <summary>The environment names of the options (what a manifest's <c>env</c> or a process environment sets).</summary>
    public static class Variables
    {
        public const string Port = "KT_PORT";
        public const string Bind = "KT_BIND";
        public const string Root = "KT_ROOT";
        public const string TokenFile = "KT_TOKEN_FILE";
        public const string PortFile = "KT_PORT_FILE";
        public const string FrozenApp = "KT_FROZEN_APP";
        public const string FrozenVersion = "KT_FROZEN_VERSION";
        public const string Service = "KT_SERVICE";
        public const string PodName = "KT_POD_NAME";
        public const string WorldSize = "WORLD_SIZE";
        public const string Rank = "RANK";
        public const string LocalRank = "LOCAL_RANK";
        public const string NodeRank = "NODE_RANK";
        public const string MasterAddr = "MASTER_ADDR";
        public const string MasterPort = "MASTER_PORT";
        public const string Peer = "KT_PEER_URL";
        public const string SetupEpoch = "KT_SETUP_EPOCH";
        public const string AppCommand = "KT_APP_COMMAND";
        public const string AppPort = "KT_APP_PORT";
        public const string MaxBlobBytes = "KT_MAX_BLOB_BYTES";
        public const string MaxGenerations = "KT_MAX_GENERATIONS";
        public const string KeepVersions = "KT_KEEP_VERSIONS";
        public const string BlobGraceSeconds = "KT_BLOB_GRACE_SECONDS";
        public const string MaxBodyBytesInFlight = "KT_MAX_BODY_BYTES_IN_FLIGHT";
        public const string MaxManifestEntries = "KT_MAX_MANIFEST_ENTRIES";
        public const string CancelGraceSeconds = "KT_CANCEL_GRACE_SECONDS";
        public const string OtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";
        public const string OtlpProtocol = "OTEL_EXPORTER_OTLP_PROTOCOL";

        /// <summary>The bearer token itself (a Secret's value; never part of a launch record, never written by Kt).</summary>
        public const string Token = "KT_TOKEN";
    }

    // EnvironmentOnly: read by a library from the environment (the OpenTelemetry SDK, in the runtime and in its worker),
    // so written there in either style.
    private sealed record Option(string Name, string Variable, bool IsLayout, Func<RuntimeLaunch, string?> Get, Func<RuntimeLaunch, string, RuntimeLaunch> Set, bool EnvironmentOnly = false);

    private static readonly Option[] Options =
    [
        new("port", Variables.Port, true, l => Text(l.Port), (l, v) => l with { Port = Int("port", v) }),
        new("bind", Variables.Bind, true, l => l.Bind, (l, v) => l with { Bind = v }),
        new("root", Variables.Root, true, l => l.Root, (l, v) => l with { Root = v }),
        new("token-file", Variables.TokenFile, true, l => l.TokenFile, (l, v) => l with { TokenFile = v }),
        new("port-file", Variables.PortFile, true, l => l.PortFile, (l, v) => l with { PortFile = v }),
        new("frozen-app", Variables.FrozenApp, true, l => l.FrozenApp, (l, v) => l with { FrozenApp = v }),
        new("frozen-version", Variables.FrozenVersion, true, l => l.FrozenVersion, (l, v) => l with { FrozenVersion = v }),
        new("service", Variables.Service, false, l => l.Service, (l, v) => l with { Service = v }),
        new("pod-name", Variables.PodName, false, l => l.PodName, (l, v) => l with { PodName = v }),
        new("world-size", Variables.WorldSize, false, l => Text(l.WorldSize), (l, v) => l with { WorldSize = Int("world-size", v) }),
        new("rank", Variables.Rank, false, l => Text(l.Rank), (l, v) => l with { Rank = Int("rank", v) }),
        new("local-rank", Variables.LocalRank, false, l => Text(l.LocalRank), (l, v) => l with { LocalRank = Int("local-rank", v) }),
        new("node-rank", Variables.NodeRank, false, l => Text(l.NodeRank), (l, v) => l with { NodeRank = Int("node-rank", v) }),
        new("master-addr", Variables.MasterAddr, false, l => l.MasterAddr, (l, v) => l with { MasterAddr = v }),
        new("master-port", Variables.MasterPort, false, l => Text(l.MasterPort), (l, v) => l with { MasterPort = Int("master-port", v) }),
        new("peer", Variables.Peer, false, l => l.Peer, (l, v) => l with { Peer = v }),
        new("setup-epoch", Variables.SetupEpoch, false, l => l.SetupEpoch, (l, v) => l with { SetupEpoch = v }),
        new("app-command", Variables.AppCommand, false, l => l.AppCommand, (l, v) => l with { AppCommand = v }),
        new("app-port", Variables.AppPort, false, l => Text(l.AppPort), (l, v) => l with { AppPort = Int("app-port", v) }),
        new("max-blob-bytes", Variables.MaxBlobBytes, false, l => Text(l.MaxBlobBytes), (l, v) => l with { MaxBlobBytes = Long("max-blob-bytes", v) }),
        new("max-generations", Variables.MaxGenerations, false, l => Text(l.MaxGenerations), (l, v) => l with { MaxGenerations = Int("max-generations", v) }),
        new("keep-versions", Variables.KeepVersions, false, l => Text(l.KeepVersions), (l, v) => l with { KeepVersions = Int("keep-versions", v) }),
        new("blob-grace-seconds", Variables.BlobGraceSeconds, false, l => Text(l.BlobGraceSeconds), (l, v) => l with { BlobGraceSeconds = Long("blob-grace-seconds", v) }),
        new("max-body-bytes-in-flight", Variables.MaxBodyBytesInFlight, false, l => Text(l.MaxBodyBytesInFlight), (l, v) => l with { MaxBodyBytesInFlight = Long("max-body-bytes-in-flight", v) }),
        new("max-manifest-entries", Variables.MaxManifestEntries, false, l => Text(l.MaxManifestEntries), (l, v) => l with { MaxManifestEntries = Int("max-manifest-entries", v) }),
        new("cancel-grace-seconds", Variables.CancelGraceSeconds, false, l => Text(l.CancelGraceSeconds), (l, v) => l with { CancelGraceSeconds = Long("cancel-grace-seconds", v) }),
        new("otlp-endpoint", Variables.OtlpEndpoint, false, l => l.OtlpEndpoint, (l, v) => l with { OtlpEndpoint = v }, EnvironmentOnly: true),
        new("otlp-protocol", Variables.OtlpProtocol, false, l => l.OtlpProtocol, (l, v) => l with { OtlpProtocol = v }, EnvironmentOnly: true),
    ];

    /// <summary>The runtime's arguments (after its assembly) and environment for this launch: the one writer.</summary>
    public RuntimeLaunchLine Write(LaunchStyle style = LaunchStyle.Container)
    {
        var arguments = new List<string>();
        var environment = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var option in Options)
        {
            if (option.Get(this) is not { } value)
            {
                continue;
            }

            if (!option.EnvironmentOnly && (option.IsLayout || style == LaunchStyle.CommandLine))
            {
                arguments.Add("--" + option.Name);
                arguments.Add(value);
            }
            else
            {
                environment[option.Variable] = value;
            }
        }

        return new RuntimeLaunchLine(arguments, environment);
    }

    /// <summary>
    /// The one reader: every option from the environment, then the command line (<c>--name value</c> or
    /// <c>--name=value</c>) over it. KT4000 for an unknown option, a missing value or a malformed number.
    /// </summary>
    public static RuntimeLaunch Parse(IReadOnlyList<string> arguments, IDictionary environment)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var option in Options)
        {
            if (environment[option.Variable] is string value && value.Length > 0)
            {
                values[option.Name] = value;
            }
        }

        for (var i = 0; i < arguments.Count; i++)
        {
            var arg = arguments[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new KtException(RuntimeErrorCodes.InvalidOptions, $"Unexpected argument '{arg}'; options look like --port 8080.");
            }

            var name = arg[2..];
            string value;
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else
            {
                if (i + 1 >= arguments.Count)
                {
                    throw new KtException(RuntimeErrorCodes.InvalidOptions, $"Option --{name} needs a value.");
                }

                value = arguments[++i];
            }

            if (!Options.Any(o => o.Name == name))
            {
                throw new KtException(RuntimeErrorCodes.InvalidOptions, $"Unknown option --{name}. Known: {string.Join(", ", Options.Select(o => "--" + o.Name))}.");
            }

            values[name] = value;
        }

        var launch = new RuntimeLaunch();
        foreach (var option in Options)
        {
            if (values.TryGetValue(option.Name, out var value))
            {
                launch = option.Set(launch, value);
            }
        }

        return launch;
    }

    private static string? Text(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static string? Text(long? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static int Int(string name, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new KtException(RuntimeErrorCodes.InvalidOptions, $"--{name} expects an integer, got '{text}'.");

    private static long Long(string name, string text) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new KtException(RuntimeErrorCodes.InvalidOptions, $"--{name} expects an integer, got '{text}'.");
}

/// <summary>Where <see cref="RuntimeLaunch.Write"/> puts the options that are not layout.</summary>
public enum LaunchStyle
{
    /// <summary>Layout as arguments (what an image's entry point fixes), everything else as environment (what a
    /// container, a manifest and the downward API set per pod).</summary>
    Container,

    /// <summary>Every option as an argument: for a local process, which is found again by its command line.</summary>
    CommandLine,
}

/// <summary>What <see cref="RuntimeLaunch.Write"/> produces: the arguments after the runtime's assembly, and the
/// environment to add to the process or container (sorted by name, so a manifest renders the same every time).</summary>
public sealed record RuntimeLaunchLine(IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment);
