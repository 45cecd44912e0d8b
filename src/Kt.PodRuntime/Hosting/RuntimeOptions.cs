using System.Collections;
using Kt.Core;

namespace Kt.PodRuntime.Hosting;

/// <summary>
/// Everything the pod server needs to start, from command-line options (<c>--port 8080</c>) or, when an option is
/// absent, the matching environment variable (<c>KT_PORT</c>). Command-line options win.
/// </summary>
public sealed record RuntimeOptions
{
    public int Port { get; init; } = PodRuntimeLayout.Port;

    /// <summary>Address Kestrel binds; 0.0.0.0 in pods, 127.0.0.1 in tests.</summary>
    public string BindAddress { get; init; } = "0.0.0.0";

    /// <summary>The folder that holds the journal, the blob store and code versions. Nothing is written outside it by sync.</summary>
    public required string Root { get; init; }

    /// <summary>The bearer token (read from the token file, or KT_TOKEN). Never logged.</summary>
    public required string Token { get; init; }

    public string Service { get; init; } = "kt";

    public string PodName { get; init; } = Environment.MachineName;

    /// <summary>Largest blob accepted by PUT /sync/blobs.</summary>
    public long MaxBlobBytes { get; init; } = 1L << 30;

    /// <summary>Largest JSON body accepted by the plan, manifest and call endpoints.</summary>
    public long MaxJsonBytes { get; init; } = 64L << 20;

    /// <summary>After this many in-process reloads a fresh worker process is started instead.</summary>
    public int MaxGenerations { get; init; } = 25;

    /// <summary>Optional file the bound port is written to (useful with port 0).</summary>
    public string? PortFile { get; init; }

    /// <summary>App mode: a shell command started in the active version folder, restarted on each new version.</summary>
    public string? AppCommand { get; init; }

    /// <summary>App mode: the loopback port the app listens on (given to it as PORT); /http/* is proxied there.</summary>
    public int? AppPort { get; init; }

    public int WorldSize { get; init; } = 1;
    public int Rank { get; init; }
    public int LocalRank { get; init; }
    public int NodeRank { get; init; }
    public string MasterAddr { get; init; } = "127.0.0.1";
    public int MasterPort { get; init; } = 29500;

    /// <summary>
    /// Frozen mode: serve the app folder baked into the image (e.g. <c>/app</c>) and refuse sync and setup; the image
    /// already holds every setup step. Null for a live (dev) pod.
    /// </summary>
    public string? FrozenApp { get; init; }

    /// <summary>
    /// A running peer of the same service (on Kubernetes, the service's own address): a pod catches up with its setup
    /// and code before reporting ready. Null: start as it is.
    /// </summary>
    public Uri? PeerUrl { get; init; }

    /// <summary>
    /// The setup generation of the pod's template. A pod replays setup only from a peer of the same epoch: a deploy
    /// that needs fresh pods (a removed package) starts a new epoch, so the new pods do not copy the old setup.
    /// </summary>
    public string? SetupEpoch { get; init; }

    /// <summary>The version id a frozen pod reports (what <c>/ready?version=</c> compares with).</summary>
    public string FrozenVersion { get; init; } = "frozen";

    /// <summary>
    /// Blobs that no version tree links to any more are deleted after an activation once they are this old; the grace
    /// keeps blobs uploaded for a sync that has not activated yet.
    /// </summary>
    public TimeSpan BlobGrace { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How many versions (besides the active one) stay on disk.</summary>
    public int KeepVersions { get; init; } = 3;

    /// <summary>
    /// Request body bytes all requests together may hold in memory at once; a body that does not fit waits for room
    /// (BodyBudget).
    /// </summary>
    public long MaxBodyBytesInFlight { get; init; } = 256L << 20;

    /// <summary>Entries a manifest (or the file lists of a plan) may name; more are refused before any work.</summary>
    public int MaxManifestEntries { get; init; } = 100_000;

    /// <summary>
    /// How long a cancelled call (its timeout passed) may go on ignoring its token before its worker is recycled.
    /// </summary>
    public TimeSpan CancelGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Parses options (the launch record's one reader, <see cref="RuntimeLaunch.Parse"/>) and applies the defaults;
    /// throws <see cref="KtException"/> KT4000 for unknown or malformed options.
    /// </summary>
    public static RuntimeOptions Parse(IReadOnlyList<string> args, IDictionary environment)
    {
        var launch = RuntimeLaunch.Parse(args, environment);
        var root = launch.Root ?? throw new KtException(RuntimeErrorCodes.InvalidOptions, "The root folder is required (--root or KT_ROOT).");
        var token = ReadToken(launch.TokenFile, environment[RuntimeLaunch.Variables.Token] as string);

        return new RuntimeOptions
        {
            Root = Path.GetFullPath(root),
            Token = token,
            Port = launch.Port ?? PodRuntimeLayout.Port,
            BindAddress = launch.Bind ?? "0.0.0.0",
            Service = launch.Service ?? "kt",
            PodName = launch.PodName ?? Environment.MachineName,
            MaxBlobBytes = launch.MaxBlobBytes ?? 1L << 30,
            MaxGenerations = launch.MaxGenerations ?? 25,
            PortFile = launch.PortFile,
            AppCommand = launch.AppCommand,
            AppPort = launch.AppPort,
            WorldSize = launch.WorldSize ?? 1,
            Rank = launch.Rank ?? 0,
            LocalRank = launch.LocalRank ?? 0,
            NodeRank = launch.NodeRank ?? 0,
            MasterAddr = launch.MasterAddr ?? "127.0.0.1",
            MasterPort = launch.MasterPort ?? 29500,
            KeepVersions = launch.KeepVersions ?? 3,
            FrozenApp = launch.FrozenApp is { } frozen ? Path.GetFullPath(frozen) : null,
            FrozenVersion = launch.FrozenVersion ?? "frozen",
            BlobGrace = TimeSpan.FromSeconds(launch.BlobGraceSeconds ?? 3600),
            SetupEpoch = launch.SetupEpoch,
            MaxBodyBytesInFlight = launch.MaxBodyBytesInFlight ?? 256L << 20,
            MaxManifestEntries = launch.MaxManifestEntries ?? 100_000,
            CancelGrace = TimeSpan.FromSeconds(launch.CancelGraceSeconds ?? 10),
            PeerUrl = launch.Peer is { } peer
                ? Uri.TryCreate(peer.EndsWith('/') ? peer : peer + "/", UriKind.Absolute, out var url) && url.Scheme is "http" or "https" ? url
                    : throw new KtException(RuntimeErrorCodes.InvalidOptions, $"--peer expects an http(s) URL, got '{peer}'.")
                : null,
        };
    }

    private static string ReadToken(string? tokenFile, string? tokenFromEnvironment)
    {
        string? token = null;
        if (tokenFile is not null)
        {
            try
            {
                token = File.ReadAllText(tokenFile).Trim();
            }
            catch (IOException ex)
            {
                throw new KtException(RuntimeErrorCodes.InvalidOptions, $"Cannot read the token file '{tokenFile}': {ex.Message}");
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new KtException(RuntimeErrorCodes.InvalidOptions, $"Cannot read the token file '{tokenFile}': {ex.Message}");
            }
        }

        token ??= tokenFromEnvironment?.Trim();
        if (string.IsNullOrEmpty(token))
        {
            throw new KtException(RuntimeErrorCodes.InvalidOptions, "A bearer token is required (--token-file, KT_TOKEN_FILE or KT_TOKEN); the runtime never serves unauthenticated calls.");
        }

        return token;
    }
}
