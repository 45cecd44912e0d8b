using System.Net;
using Kt.PodRuntime.Apps;
using Kt.PodRuntime.Hosting.Endpoints;
using Kt.PodRuntime.Hosting.Middleware;
using Kt.PodRuntime.Journal;
using Kt.PodRuntime.Observability;
using Kt.PodRuntime.Supervision;
using Kt.PodRuntime.Sync;
using Kt.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kt.PodRuntime.Hosting;

/// <summary>Builds and runs the pod server: Kestrel, the stores under the root, the worker supervisor and the endpoints.</summary>
public static class RuntimeServer
{
    public static async Task<int> RunAsync(RuntimeOptions options)
    {
        options = WritableRoot.Ensure(options);
        using var rootLock = RootLock.Acquire(options);
        // Kt's own logger exists before the web host so that the worker (a second process) is spawned first and
        // starts while the host is built.
        using var lines = new ConsoleLines();
        var logger = lines.CreateLogger("Kt.PodRuntime");
        using var metrics = new RuntimeMetrics();
        // Only with an OTLP endpoint set (OTEL_EXPORTER_OTLP_ENDPOINT …): otherwise nothing of the SDK is loaded.
        // Disposed last, after the worker has gone, so that the last spans and counters are flushed.
        using var export = OtlpExport.StartIfConfigured(new OtlpScope(
            options.Service,
            Sources: [KtTelemetryNames.PodRuntime],
            Meters: [KtTelemetryNames.RuntimeMeter],
            Attributes: new Dictionary<string, object> { ["kt.pod"] = options.PodName, ["kt.process"] = "runtime" }));
        var logs = new LogHub();
        var blobs = new BlobStore(options.Root);
        var frozen = options.FrozenApp is { } frozenApp ? new FrozenApp(frozenApp, options.FrozenVersion) : null;
        var journal = new JournalStore(options.Root);
        var versions = new VersionStore(options.Root, blobs, options.KeepVersions, frozen, options.BlobGrace, journal.ReferencedBlobs);
        // A frozen image carries its setup in its own environment and working directory; a journal plays no part.
        var applied = frozen is null ? journal.Environment : null;
        var environment = UserEnvironment.Create(options, applied?.Variables, applied?.WorkingDirectory, frozen?.Directory, applied?.User);
        var leases = new VersionLeases();
        var supervisor = new WorkerSupervisor(options, environment, logs, metrics, logger, leases);
        await versions.RepairActiveAsync(CancellationToken.None).ConfigureAwait(false);
        var active = versions.Active is { } current ? (current.Version, versions.DirectoryOf(current)) : ((string, string)?)null;
        // A pod with code to serve spawns its worker first, so that the worker starts while the host is built (it is
        // ready only once the worker serves that code). A pod with no code yet is ready as soon as it listens: its
        // worker starts once that first answer is out (StartWorkerAfterFirstProbeAsync), and a call meanwhile waits.
        var workerStart = active is not null ? StartWorkerAsync(supervisor, active) : null;

        // The empty builder: no configuration files (and no watcher on the pod root, where every sync writes), only
        // Kestrel, routing and Kt's own logger; what the slim builder adds beyond that costs start time and nothing here uses it.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = [], ContentRootPath = options.Root });
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        builder.Services.AddLogging(logging => logging.AddProvider(lines));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Parse(options.BindAddress), options.Port);
            kestrel.Limits.MaxRequestBodySize = null; // each endpoint enforces its own limit
            kestrel.AddServerHeader = false;
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));

        var app = builder.Build();
        var applier = new PlanApplier(journal, new FilePlacer(options.Root, blobs), options.MaxBlobBytes);
        var apps = new AppHost(options, logger);
        var state = new RuntimeState { Setup = journal.Setup };
        var operations = new PodOperations(options, state, journal, applier, versions, supervisor, apps, leases);
        var errors = new PodErrors(options, versions);
        var readiness = new PodReadiness(state, supervisor, versions);
        var bodies = new BodyBudget(options.MaxBodyBytesInFlight, BodyWait);
        RuntimeEndpoints.Map(
            app,
            new ErrorEnvelopeMiddleware(metrics, errors),
            new BearerAuthMiddleware(new BearerToken(options.Token)),
            new AdmissionMiddleware(state, versions),
            [
                new HealthEndpoints(options, state, readiness, supervisor, metrics),
                new SetupEndpoints(options, state, journal, applier, operations, errors, bodies),
                new SyncEndpoints(options, blobs, versions, operations, readiness, metrics, bodies, journal, state),
                new DeltaEndpoints(options, supervisor, metrics, bodies, blobs, operations),
                new CallEndpoints(options, supervisor, logs, metrics, errors, bodies),
                new LogEndpoints(logs),
                new AppEndpoints(options, apps, new AppProxy(), operations, supervisor, metrics, bodies),
            ]);

        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        var exitCode = 0;
        RayNode? ray = null;
        lifetime.ApplicationStopping.Register(() =>
        {
            // SIGTERM: refuse new work, answer in-flight calls with "pod terminating", end worker, app and Ray trees.
            state.BeginTermination();
            supervisor.TerminateAsync().GetAwaiter().GetResult();
            apps.Stop();
            ray?.Dispose();
        });

        // A pod that will catch up with a peer is not ready until it has (set before the server answers probes).
        state.CatchingUp = options.PeerUrl is not null && frozen is null;

        await app.StartAsync().ConfigureAwait(false);
        var port = ListeningPort(app);
        WritePortFile(port, options);
        RootLock.Publish(rootLock, options, port);
        // After the server is up, so that a node dying at once stops a started host, not one still starting.
        ray = RayNode.StartIfRequested(supervisor.Environment, logger, code =>
        {
            exitCode = code == 0 ? 1 : code;
            lifetime.StopApplication();
        });
        try
        {
            await (workerStart ?? StartWorkerAfterFirstProbeAsync(supervisor, state)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Errors.RuntimeError or IOException)
        {
            logger.LogError("The first worker did not start: {Message}", ex.Message);
        }

        if (active is { } served)
        {
            await apps.RestartAsync(served.Item2, supervisor.Environment).ConfigureAwait(false);
        }

        var catchUp = options.PeerUrl is { } peer && frozen is null
            ? CatchUpAsync(new PeerBootstrap(peer, options.Token, blobs, options, logger), state, journal, applier, operations, versions, logger)
            : Task.CompletedTask;

        logger.LogInformation("Kt pod runtime for service {Service} on pod {Pod} is up{CatchingUp}.", options.Service, options.PodName,
            state.CatchingUp ? ", catching up with its peer" : "");
        await app.WaitForShutdownAsync().ConfigureAwait(false);
        await catchUp.ConfigureAwait(false);
        await supervisor.DisposeAsync().ConfigureAwait(false);
        await apps.DisposeAsync().ConfigureAwait(false);
        ray?.Dispose();
        return exitCode;
    }

    // On the thread pool: spawning a process JIT-compiles and forks, work that overlaps the host's start on a second core.
    private static Task StartWorkerAsync(WorkerSupervisor supervisor, (string, string)? active) =>
        Task.Run(() => supervisor.StartAsync(active, CancellationToken.None));

    // A pod with no code starts its worker once it has answered its first readiness probe, or after FirstProbeWait
    // without one: a second .NET process starting at the same moment takes the CPU that first answer needs on a small
    // node (about a tenth of start → ready on the 2-core CI machine). A call that comes first waits for the worker.
    private static async Task StartWorkerAfterFirstProbeAsync(WorkerSupervisor supervisor, RuntimeState state)
    {
        await Task.WhenAny(state.FirstReadyAnswer, Task.Delay(FirstProbeWait)).ConfigureAwait(false);
        await StartWorkerAsync(supervisor, null).ConfigureAwait(false);
    }

    private static readonly TimeSpan FirstProbeWait = TimeSpan.FromMilliseconds(250);

    // How long a request body waits for room in the body budget before it is refused (KT4045).
    private static readonly TimeSpan BodyWait = TimeSpan.FromSeconds(30);

    /// <summary>Not ready while catching up with a peer; a failed catch-up leaves the pod as it was (the next deploy fixes it).</summary>
    private static async Task CatchUpAsync(PeerBootstrap bootstrap, RuntimeState state, JournalStore journal, PlanApplier applier,
        PodOperations operations, VersionStore versions, ILogger logger)
    {
        using (bootstrap)
        {
            try
            {
                await bootstrap.RunAsync(journal, applier, operations, versions, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException or Errors.RuntimeError or System.Text.Json.JsonException)
            {
                logger.LogWarning("No catch-up from a peer ({Message}); serving what this pod has.", ex.Message);
            }
            finally
            {
                state.CatchingUp = false;
            }
        }
    }

    private static int ListeningPort(WebApplication app) =>
        new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;

    private static void WritePortFile(int port, RuntimeOptions options)
    {
        if (options.PortFile is null)
        {
            return;
        }

        AtomicFile.WriteAllBytes(options.PortFile, System.Text.Encoding.ASCII.GetBytes(port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }
}
