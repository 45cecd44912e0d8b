using System.Diagnostics;
using Kt.Core;
using Kt.PodRuntime.Errors;

namespace Kt.PodRuntime.Journal;

/// <summary>
/// Applies a <see cref="LivePlan"/> against the journal: staleness check, truncation to the kept prefix, each step
/// run in order and journaled only after it succeeded. A failed or cancelled step is not journaled, so the next plan
/// runs it again; the steps before it stay journaled, as they ran.
/// </summary>
public sealed class PlanApplier
{
    private readonly JournalStore _journal;
    private readonly FilePlacer _files;
    private readonly long _maxBlobBytes;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public PlanApplier(JournalStore journal, FilePlacer files, long maxBlobBytes)
    {
        _journal = journal;
        _files = files;
        _maxBlobBytes = maxBlobBytes;
    }

    /// <summary>Checks the plan's shape and its prefix against the journal (throws 400/409 before anything runs).</summary>
    public void Validate(LivePlan? plan)
    {
        if (plan is null || plan.Steps is null || plan.ExpectedPrefix is null || plan.Environment is null)
        {
            throw new RuntimeError(RuntimeErrorCodes.InvalidPlan, 400, "The plan is missing 'steps', 'expectedPrefix' or 'environment'.");
        }

        if (plan.PlanVersion != 1)
        {
            throw new RuntimeError(RuntimeErrorCodes.InvalidPlan, 400, $"Plan version {plan.PlanVersion} is not supported (expected 1).");
        }

        if (plan.KeepPrefix < 0 || plan.ExpectedPrefix.Count != plan.KeepPrefix)
        {
            throw new RuntimeError(RuntimeErrorCodes.InvalidPlan, 400, $"keepPrefix is {plan.KeepPrefix} but expectedPrefix lists {plan.ExpectedPrefix.Count} key(s).");
        }

        if (plan.RecreateRequired)
        {
            throw new RuntimeError(RuntimeErrorCodes.RecreateRequired, 409, $"This change cannot be applied in place: {plan.RecreateReason ?? "an earlier step changed irreversibly"}. Recreate the pod.");
        }

        // By kind, with the rules the client's image model uses: a pod trusts no client to have checked.
        if (LivePlanRules.FirstViolation(plan) is { } violation)
        {
            throw new RuntimeError(RuntimeErrorCodes.InvalidPlan, 400, $"The plan is refused before any step runs: {violation}.");
        }

        foreach (var step in plan.Steps)
        {
            if (step.Files is not null)
            {
                FilePlacer.ValidateShape(step.Files, _maxBlobBytes);
            }

            if (!string.IsNullOrWhiteSpace(step.Shell) && !string.IsNullOrEmpty(step.User) && step.User != Environment.UserName && !(step.User is "0" && Environment.UserName == "root"))
            {
                throw new RuntimeError(RuntimeErrorCodes.UserSwitchUnsupported, 501, $"Step '{step.Description}' runs as '{step.User}', but this runtime runs as '{Environment.UserName}' and does not switch users.");
            }
        }

        // User code runs as the plan's user; only a root runtime can start it as another one (checked before any step
        // runs; the name itself is resolved once the steps, which may create the user, have run).
        if (!string.IsNullOrEmpty(plan.User) && Environment.UserName != "root" && plan.User != Environment.UserName
            && plan.User != Supervision.UserEnvironment.Base.User)
        {
            throw new RuntimeError(RuntimeErrorCodes.UserSwitchUnsupported, 501, $"The definition runs user code as '{plan.User}', but this runtime runs as '{Environment.UserName}' and only a root runtime switches users.");
        }

        var entries = _journal.Entries;
        if (entries.Count < plan.KeepPrefix)
        {
            throw Stale($"the journal has {entries.Count} entries, the plan keeps {plan.KeepPrefix}");
        }

        for (var i = 0; i < plan.KeepPrefix; i++)
        {
            if (entries[i].Key != plan.ExpectedPrefix[i])
            {
                throw Stale($"journal entry {i} is {entries[i].Key[..Math.Min(12, entries[i].Key.Length)]}…, the plan expected {plan.ExpectedPrefix[i][..Math.Min(12, plan.ExpectedPrefix[i].Length)]}…");
            }
        }
    }

    /// <summary>
    /// The whole plan checked before anything changes: its shape and prefix (<see cref="Validate"/>) and every file
    /// step's blobs and destination paths. A refusal leaves journal and environment as they were.
    /// </summary>
    public async Task ValidateAsync(LivePlan? plan, CancellationToken cancellationToken)
    {
        Validate(plan);
        foreach (var files in plan!.Steps.Select(s => s.Files).OfType<LiveFiles>())
        {
            await _files.ValidateAsync(files, _maxBlobBytes, cancellationToken).ConfigureAwait(false);
        }

        RefuseUnmetPrerequisites(plan);
    }

    // The pod knows its own filesystem (the base image plus the steps kept): a pip or dotnet-tool step it surely
    // cannot serve is refused with the step guard's code before any step of the plan runs.
    private static void RefuseUnmetPrerequisites(LivePlan plan)
    {
        var steps = plan.Steps.Select(s => new PrerequisiteStep(s.Kind, s.Description, s.Packages,
            Supervision.UserEnvironment.OnBase(s.Environment ?? plan.Environment).GetValueOrDefault("PATH")));
        if (StepPrerequisites.FirstUnmet(steps, LocalImageFiles.Instance) is { } unmet)
        {
            throw new RuntimeError(unmet.Error.Code, 422, unmet.Error.Detail);
        }
    }

    /// <summary>True when no other plan is being applied; the caller must call <see cref="Release"/> afterwards.</summary>
    public bool TryAcquire() => _gate.Wait(0);

    public void Release() => _gate.Release();

    /// <summary>Runs the plan's steps (the caller holds the gate and validated the plan).</summary>
    /// <exception cref="RuntimeError">KT4011 when a step exits non-zero (with its exit code and output tail).</exception>
    public async Task ApplyAsync(LivePlan plan, Func<PlanEvent, ValueTask> emit, CancellationToken cancellationToken)
    {
        await ValidateAsync(plan, cancellationToken).ConfigureAwait(false); // again, under the gate
        _journal.TruncateTo(plan.KeepPrefix);
        for (var index = 0; index < plan.Steps.Count; index++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var step = plan.Steps[index];
            // A span per step, in the deploy's trace (the plan request's traceparent): the step key a user follows in
            // the Dockerfile comment, the OCI history and the journal is the span's name.
            using var span = Observability.PodTracing.StartInternal($"setup {step.Key}");
            span?.SetTag("kt.step.index", index);
            span?.SetTag("kt.step.kind", step.Kind);
            span?.SetTag("kt.step.description", step.Description);
            await emit(new PlanEvent { Event = PodEvents.StepStart, Index = index, Key = step.Key, Kind = step.Kind, Description = step.Description }).ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            if (step.Files is not null)
            {
                // Not cancelled halfway: placing files is quick, and a half-placed tree would be neither the old nor the new one.
                var (placed, deleted) = await _files.PlaceAsync(step.Files, _maxBlobBytes, CancellationToken.None).ConfigureAwait(false);
                await emit(new PlanEvent { Event = PodEvents.Output, Key = step.Key, Stream = "stdout", Line = $"placed {placed} file(s), deleted {deleted} in {step.Files.Destination}" }).ConfigureAwait(false);
            }

            if (!string.IsNullOrWhiteSpace(step.Shell))
            {
                // The step sees the pod's base environment (PATH, HOME, ...) with the definition's variables on top.
                var environment = Supervision.UserEnvironment.OnBase(step.Environment ?? plan.Environment);
                var workingDirectory = step.WorkingDirectory ?? plan.WorkingDirectory ?? "/";
                var result = await ShellStepRunner.RunAsync(step.Shell, environment, workingDirectory,
                    (stream, line) => emit(new PlanEvent { Event = PodEvents.Output, Key = step.Key, Stream = stream, Line = line }), cancellationToken).ConfigureAwait(false);
                if (result.ExitCode != 0)
                {
                    Observability.PodTracing.Fail(span, $"exit code {result.ExitCode}");
                    await emit(new PlanEvent { Event = PodEvents.StepFailed, Index = index, Key = step.Key, ExitCode = result.ExitCode, DurationMs = clock.ElapsedMilliseconds }).ConfigureAwait(false);
                    throw new RuntimeError(RuntimeErrorCodes.StepFailed, 500,
                        StepFailure.Describe($"Step {index} '{step.Description}'", result.ExitCode, result.OutputTail, "not recorded: it runs again on the next apply"));
                }
            }

            _journal.Append(step);
            await emit(new PlanEvent { Event = PodEvents.StepDone, Index = index, Key = step.Key, ExitCode = 0, DurationMs = clock.ElapsedMilliseconds }).ConfigureAwait(false);
        }
    }

    private static RuntimeError Stale(string detail) =>
        new(RuntimeErrorCodes.StalePlan, 409, $"The plan is stale ({detail}); compute it again from GET /journal.");
}
