using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Kt.Workflows;

namespace Kt.Watch;

/// <summary>
/// <c>kt watch</c>: publish and deploy once, then watch the project's files. An edit of C# sources only is compiled
/// in-process by the warm compiler, its assembly and PDB are written over the staged publish output and the deploy
/// syncs just those; a change that needs MSBuild (the project file, props/targets, content, setup items) runs a full
/// publish first and says so in one line. Saves in a burst are debounced into one batch, and changes that arrive
/// while a deploy runs are coalesced into the next. A compile error is printed the way <c>dotnet build</c> prints it
/// and nothing is deployed; the previous version keeps serving. The backend (and its port-forwards) lives as long as
/// the watch.
/// </summary>
public sealed class WatchSession : IDisposable
{
    private readonly WatchOptions _options;
    private readonly WorkflowOutput _output;
    private readonly Action<WatchIteration>? _onIteration;
    private readonly DeploySession _deploys = new();
    private readonly Channel<FileEvent> _changes = Channel.CreateUnbounded<FileEvent>();
    private readonly List<FileSystemWatcher> _watchers = [];
    private ProjectGraph? _graph;
    private Task _warmUp = Task.CompletedTask;
    private PodDeltas? _pods;
    private Task _behind = Task.CompletedTask;
    private CancellationTokenSource? _behindCancel;

    public WatchSession(WatchOptions options, WorkflowOutput output, Action<WatchIteration>? onIteration = null)
    {
        _options = options;
        _output = output;
        _onIteration = onIteration;
    }

    /// <summary>The background warm-up emit that follows a publish + deploy (completed when none is running).</summary>
    public Task WarmedUp => _warmUp;

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled (Ctrl+C).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var projectDirectory = Path.GetDirectoryName(_options.ProjectFile)!;
        Watch(projectDirectory);
        await TurnAsync("deploy", [], ChangeKind.Project, cancellationToken).ConfigureAwait(false);
        _output.Progress($"watching {projectDirectory} (Ctrl+C to stop)");
        while (!cancellationToken.IsCancellationRequested)
        {
            var batch = await NextBatchAsync(cancellationToken).ConfigureAwait(false);
            var kind = ChangeClassifier.Classify(batch, path => _graph?.Compiles(path) == true, path => _graph?.InCompiledProject(path) == true);
            var names = batch.Select(p => Path.GetRelativePath(projectDirectory, p)).Order(StringComparer.Ordinal).ToList();
            if (kind == ChangeKind.Project)
            {
                _output.Progress($"{string.Join(", ", names)} changed: that needs MSBuild, so a full publish + deploy");
            }
            else if (kind == ChangeKind.SourceSet)
            {
                _output.Progress($"{string.Join(", ", names)}: C# files added or removed, reading the compiler arguments again");
            }

            await TurnAsync(kind switch { ChangeKind.Sources => "compile", ChangeKind.SourceSet => "sources", _ => "publish" }, names, kind, cancellationToken)
                .ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _behindCancel?.Cancel();
        _pods?.Dispose();
        _deploys.Dispose();
    }

    /// <summary>
    /// One batch: waits for a change, then takes every change until the files have been quiet for the debounce (and,
    /// when a C# file is missing then, for a little longer: see <see cref="SaveBatch.MissesSource"/>). Editor temp files
    /// that came and went within the batch are not in it.
    /// </summary>
    private async Task<IReadOnlyCollection<string>> NextBatchAsync(CancellationToken cancellationToken)
    {
        var directories = WatchedDirectories();
        while (true)
        {
            var batch = new SaveBatch();
            while (batch.IsEmpty)
            {
                var first = await _changes.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (ChangeClassifier.IsInput(first.Path, directories))
                {
                    batch.Add(first);
                }
            }

            await CollectUntilQuietAsync(batch, directories, _options.Debounce, cancellationToken).ConfigureAwait(false);
            if (batch.MissesSource)
            {
                await CollectUntilQuietAsync(batch, directories, SafeWriteGrace, cancellationToken).ConfigureAwait(false);
            }

            var changed = batch.Changed();
            if (changed.Count > 0)
            {
                return changed;
            }
        }
    }

    /// <summary>How long a batch whose C# file is missing waits for the file to be renamed back in.</summary>
    private static readonly TimeSpan SafeWriteGrace = TimeSpan.FromMilliseconds(250);

    private async Task CollectUntilQuietAsync(SaveBatch batch, IReadOnlyList<string> directories, TimeSpan quietFor, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            quiet.CancelAfter(quietFor);
            try
            {
                var next = await _changes.Reader.ReadAsync(quiet.Token).ConfigureAwait(false);
                if (ChangeClassifier.IsInput(next.Path, directories))
                {
                    batch.Add(next);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task TurnAsync(string path, IReadOnlyList<string> files, ChangeKind kind, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string? fallback = null;
        try
        {
            // The whole emit behind the last deltas is redone after this edit anyway: it must not write meanwhile.
            await StopEmitBehindDeltasAsync().ConfigureAwait(false);
            if (kind == ChangeKind.Project)
            {
                await ProjectPipeline.PublishAsync(_options, _output, cancellationToken).ConfigureAwait(false);
            }

            // The background warm-up emit must be over before the compilations change or a new graph replaces them.
            await _warmUp.ConfigureAwait(false);
            var graphRead = kind != ChangeKind.Sources || _graph is null;
            if (graphRead)
            {
                _graph = await ProjectGraph.ReadAsync(_options, cancellationToken).ConfigureAwait(false);
                WatchProjects(_graph);
            }

            var graph = _graph!;
            IReadOnlyList<string> emitted = [];
            if (kind != ChangeKind.Project)
            {
                foreach (var file in files.Select(f => Path.GetFullPath(f, Path.GetDirectoryName(_options.ProjectFile)!)).Where(graph.Compiles))
                {
                    graph.Replace(file);
                }

                if (kind == ChangeKind.Sources && _pods is { Capabilities.Count: > 0 } pods && graph.Debuggable)
                {
                    (var done, fallback) = await DeltaAsync(graph, pods, files, clock, cancellationToken).ConfigureAwait(false);
                    if (done)
                    {
                        return;
                    }
                }

                var compiled = graph.Emit(cancellationToken);
                if (!compiled.Success)
                {
                    ReportErrors(path, files, compiled.Errors, compiled.FailedProject!, clock);
                    return;
                }

                Stage(graph.Root.Inputs.PublishDirectory, compiled.Emitted);
                emitted = [.. compiled.Emitted.Select(e => e.Project.OutputFileName)];
            }

            var built = clock.Elapsed.TotalMilliseconds;
            var outcome = await _deploys.DeployAsync(ProjectPipeline.DeployRequest(graph.Root.Inputs), Quiet(path), cancellationToken).ConfigureAwait(false);
            var total = clock.Elapsed.TotalMilliseconds;
            var iteration = new WatchIteration
            {
                Path = path, Files = files, Deployed = true, BuildMs = built, DeployMs = total - built, TotalMs = total,
                Version = outcome.CodeVersion, UploadedFiles = outcome.Report?.UploadedBlobs ?? 0, Emitted = emitted,
                Endpoint = outcome.Report?.Pods.Pods[0].Address, Token = outcome.Report?.Pods.Pods[0].Token, FallbackReason = fallback,
                Pods = outcome.Report?.Pods.Pods ?? [],
            };
            _output.Progress(string.Create(CultureInfo.InvariantCulture,
                $"{(files.Count == 0 ? "first deploy: publish" : string.Join(", ", files) + " → " + path)}{(emitted.Count == 0 ? "" : " (" + string.Join(", ", emitted) + ")")} {built:0} ms · deploy {iteration.DeployMs:0} ms "
                + $"({iteration.UploadedFiles} file{(iteration.UploadedFiles == 1 ? "" : "s")} sent) · total {total:0} ms · {outcome.CodeVersion} serving"));
            await ConnectForDeltasAsync(graph, outcome, cancellationToken).ConfigureAwait(false);
            if (graphRead)
            {
                WarmUp(graph, cancellationToken);
            }
            else
            {
                graph.BaselineOnLastEmits(); // the pods load whole assemblies just emitted (or, for the others, emitted before)
            }

            Report(iteration);
        }
        catch (KtException e)
        {
            _output.Progress($"{e.Message}; waiting for the next change");
            Report(new WatchIteration { Path = path, Files = files, Deployed = false, Errors = [e.Message], TotalMs = clock.Elapsed.TotalMilliseconds, FallbackReason = fallback });
        }
    }

    /// <summary>
    /// The fast path of a Debug watch: the edit as IL deltas, applied by every pod in place. Returns done when the turn is
    /// over (applied, nothing to apply, or compile errors); else the one-line reason it takes the whole compile + reload.
    /// </summary>
    private async Task<(bool Done, string? Fallback)> DeltaAsync(ProjectGraph graph, PodDeltas pods, IReadOnlyList<string> files, Stopwatch clock,
        CancellationToken cancellationToken)
    {
        var delta = graph.Delta(pods.Capabilities, cancellationToken);
        var names = string.Join(", ", files);
        if (delta.Errors.Count > 0)
        {
            ReportErrors("delta", files, delta.Errors, delta.FailedProject!, clock);
            return (true, null);
        }

        string reason;
        if (delta.RudeReason is null)
        {
            var toApply = delta.ToApply.ToList();
            var built = clock.Elapsed.TotalMilliseconds;
            var refused = toApply.Count == 0 ? null : await pods.ApplyAsync(toApply, cancellationToken).ConfigureAwait(false);
            if (refused is null)
            {
                graph.CommitDeltas(delta);
                var total = clock.Elapsed.TotalMilliseconds;
                var methods = toApply.Sum(d => d.Methods);
                var what = toApply.Count == 0
                    ? "no method body changed, nothing to apply"
                    : $"{string.Join(", ", toApply.Select(d => d.Assembly + ".dll"))}: {methods} method{(methods == 1 ? "" : "s")}";
                _output.Progress(string.Create(CultureInfo.InvariantCulture,
                    $"{names} → delta ({what}) {built:0} ms · apply {total - built:0} ms · total {total:0} ms · {pods.Version} serving"));
                Report(new WatchIteration
                {
                    Path = "delta", Files = files, Deployed = true, BuildMs = built, DeployMs = total - built, TotalMs = total, Version = pods.Version,
                    Emitted = [.. toApply.Select(d => d.Assembly + ".dll")], Endpoint = pods.Endpoint, Token = pods.Token, Pods = pods.Pods,
                });
                if (toApply.Count > 0)
                {
                    EmitBehindDeltas(graph, pods);
                }

                return (true, null);
            }

            reason = $"the pods did not take the delta ({refused})";
        }
        else
        {
            reason = delta.RudeReason;
        }

        // A reason found in a file names it already.
        _output.Progress(files.Any(f => reason.StartsWith(Path.GetFileName(f) + ":", StringComparison.Ordinal))
            ? $"{reason}: whole compile + reload"
            : $"{names}: {reason}: whole compile + reload");
        return (false, reason);
    }

    private void ReportErrors(string path, IReadOnlyList<string> files, IReadOnlyList<string> errors, string project, Stopwatch clock)
    {
        foreach (var error in errors)
        {
            _output.Progress($"{error} [{project}]");
        }

        _output.Progress($"{errors.Count} error(s): nothing deployed; the previous version keeps serving");
        Report(new WatchIteration { Path = path, Files = files, Deployed = false, Errors = errors, TotalMs = clock.Elapsed.TotalMilliseconds });
    }

    /// <summary>After a deploy of whole assemblies: asks the pods what deltas they take (a Debug watch only).</summary>
    private async Task ConnectForDeltasAsync(ProjectGraph graph, DeployOutcome outcome, CancellationToken cancellationToken)
    {
        _pods?.Dispose();
        _pods = null;
        if (graph.Debuggable && outcome.Report is { } report)
        {
            _pods = await PodDeltas.ConnectAsync(report.Pods, outcome.CodeVersion, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Truth after speed: the whole assemblies behind the deltas just applied are emitted in the background (the bytes
    /// <c>dotnet build</c> writes), staged as the publish output and settled on every pod as its version on disk, the
    /// running workers untouched (their instances stay): a restarted worker, a new pod catching up from a peer, the next
    /// whole deploy and a freeze get exact build output. A new edit cancels it (it is redone after that edit).
    /// </summary>
    private void EmitBehindDeltas(ProjectGraph graph, PodDeltas pods)
    {
        var cancel = new CancellationTokenSource();
        _behindCancel = cancel;
        _behind = Task.Run(async () =>
        {
            try
            {
                var publishDirectory = graph.Root.Inputs.PublishDirectory;
                Stage(publishDirectory, graph.EmitBehindDeltas(cancel.Token));
                var serving = pods.Version;
                var (onDisk, refusals) = await pods.SettleAsync(publishDirectory, cancel.Token).ConfigureAwait(false);
                foreach (var refusal in refusals)
                {
                    // Not an error of the edit: that pod keeps the base plus deltas on disk until the next whole deploy.
                    _output.Detail($"the whole build behind {serving} did not settle on {refusal}");
                }

                if (onDisk is not null)
                {
                    _output.Detail($"{serving}: the whole build is on the pods' disk as {onDisk}");
                }
            }
            catch (OperationCanceledException)
            {
                // A newer edit came first; the projects stay due.
            }
            catch (ObjectDisposedException)
            {
                // The watch ended meanwhile.
            }
            catch (Exception e) when (e is KtException or IOException)
            {
                // The pods keep the base plus deltas on disk (a restarted worker replays them); the next whole deploy syncs.
                _output.Detail($"the whole build behind the deltas was not settled on the pods: {e.Message}");
            }
        }, CancellationToken.None);
    }

    /// <summary>The background emit behind the deltas, for a test or the bench (completed when none runs).</summary>
    public Task EmittedBehindDeltas => _behind;

    private async Task StopEmitBehindDeltasAsync()
    {
        if (_behindCancel is { } cancel)
        {
            await cancel.CancelAsync().ConfigureAwait(false);
            await _behind.ConfigureAwait(false);
            cancel.Dispose();
            _behindCancel = null;
        }
    }

    /// <summary>
    /// One emit of every fresh compilation in the background, right after a deploy (nothing is kept): the compiler's code
    /// is jitted and the generators' caches filled while the user is still reading the result, so the first edit after
    /// a publish takes as long as the later ones.
    /// </summary>
    private void WarmUp(ProjectGraph graph, CancellationToken cancellationToken) =>
        _warmUp = Task.Run(() =>
        {
            try
            {
                graph.WarmUp(cancellationToken);
                graph.BaselineOnLastEmits(); // the warm emit gives the published bytes: the pods run those
            }
            catch (OperationCanceledException)
            {
                // The watch is ending.
            }
        }, CancellationToken.None);

    private void Report(WatchIteration iteration) => _onIteration?.Invoke(iteration);

    /// <summary>The first deploy prints the full summary; later ones only the watch's own line.</summary>
    private WorkflowOutput Quiet(string path) => path == "deploy" ? _output : new WorkflowOutput(_output.Detail, _output.Detail);

    /// <summary>
    /// Writes each emitted assembly (and PDB, XML docs) over the staged publish output, each file swapped in whole. A
    /// referenced project's assembly sits there too, under its own name.
    /// </summary>
    private static void Stage(string publishDirectory, IReadOnlyList<(ProjectCompiler Project, CompileResult Result)> emitted)
    {
        foreach (var (project, result) in emitted)
        {
            AtomicFile.WriteAllBytes(Path.Combine(publishDirectory, project.OutputFileName), result.Assembly, durable: false);
            if (result.Pdb is not null)
            {
                AtomicFile.WriteAllBytes(Path.Combine(publishDirectory, project.PdbFileName), result.Pdb, durable: false);
            }

            var xml = Path.Combine(publishDirectory, Path.ChangeExtension(project.OutputFileName, ".xml"));
            if (result.Documentation is not null && File.Exists(xml))
            {
                AtomicFile.WriteAllBytes(xml, result.Documentation, durable: false);
            }
        }
    }

    private IReadOnlyList<string> WatchedDirectories() => _watchers.Select(w => w.Path).ToList();

    private void Watch(string directory)
    {
        if (_watchers.Any(w => w.Path == directory))
        {
            return;
        }

        var watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = true, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
        void Changed(string path, bool appeared = false) => _changes.Writer.TryWrite(new FileEvent(path, appeared));

        watcher.Changed += (_, e) => Changed(e.FullPath);
        watcher.Created += (_, e) => Changed(e.FullPath, appeared: true);
        watcher.Deleted += (_, e) => Changed(e.FullPath);
        watcher.Renamed += (_, e) =>
        {
            Changed(e.OldFullPath);
            Changed(e.FullPath, appeared: true);
        };
        watcher.EnableRaisingEvents = true;
        _watchers.Add(watcher);
    }

    /// <summary>Every project of the graph is watched: the ones compiled in-process and those only MSBuild builds (a change there publishes).</summary>
    private void WatchProjects(ProjectGraph graph)
    {
        foreach (var directory in graph.CompiledDirectories.Concat(graph.MSBuildOnlyDirectories))
        {
            Watch(directory);
        }
    }
}
