using System.Text.Json;
using System.Text.Json.Serialization;
using Kt.Core;
using Kt.PodRuntime.Hosting;

namespace Kt.PodRuntime.Journal;

/// <summary>
/// The persisted step journal <c>&lt;root&gt;/journal.json</c> plus the applied environment <c>&lt;root&gt;/environment.json</c>:
/// both rewritten atomically, so a restarted runtime continues exactly where the last successful step left off. Each
/// entry keeps the step it recorded, so that a new pod can replay this pod's setup (<see cref="ReplayPlan"/>).
/// </summary>
public sealed class JournalStore
{
    private readonly string _journalPath;
    private readonly string _environmentPath;
    private readonly Lock _lock = new();
    private List<JournalEntry> _entries;
    private List<LiveStep> _steps;

    public JournalStore(string root)
    {
        _journalPath = Path.Combine(root, "journal.json");
        _environmentPath = Path.Combine(root, "environment.json");
        var file = File.Exists(_journalPath) ? JsonSerializer.Deserialize<JournalFile>(File.ReadAllBytes(_journalPath)) : null;
        _entries = file?.Entries.ToList() ?? [];
        _steps = file?.Steps?.ToList() ?? [];
        // A runtime that died while applying a plan left a half-set-up pod: that reads as a failed setup, not a good one.
        Setup = file?.Setup is SetupStates.Applying ? SetupStates.Failed : file?.Setup ?? SetupStates.None;
        Environment = File.Exists(_environmentPath) ? JsonSerializer.Deserialize<AppliedEnvironment>(File.ReadAllBytes(_environmentPath)) : null;
    }

    /// <summary>
    /// The setup state (none, applying, ok, failed), kept with the steps: a pod whose setup failed, or was cut off, is
    /// still not ready after a restart, until a plan succeeds.
    /// </summary>
    public string Setup { get; private set; }

    /// <summary>Records the setup state with the steps (one atomic write of the journal).</summary>
    public void RecordSetup(string setup)
    {
        lock (_lock)
        {
            if (Setup != setup)
            {
                Setup = setup;
                Save();
            }
        }
    }

    /// <summary>The environment of the last fully applied plan, or null when no plan was applied.</summary>
    public AppliedEnvironment? Environment { get; private set; }

    public IReadOnlyList<JournalEntry> Entries
    {
        get
        {
            lock (_lock)
            {
                return _entries.ToArray();
            }
        }
    }

    public void TruncateTo(int count)
    {
        lock (_lock)
        {
            if (_entries.Count > count)
            {
                _entries = _entries.Take(count).ToList();
                _steps = _steps.Take(count).ToList();
                Save();
            }
        }
    }

    /// <summary>Records a step that exited 0, with the step itself (for replay on a new pod).</summary>
    public void Append(LiveStep step)
    {
        lock (_lock)
        {
            _entries.Add(new JournalEntry(step.Key, step.Kind, step.Description, step.Packages));
            _steps.Add(step);
            Save();
        }
    }

    /// <summary>The blobs recorded file steps placed (kept by blob collection: a new pod replaying the setup fetches them).</summary>
    public IReadOnlySet<string> ReferencedBlobs()
    {
        lock (_lock)
        {
            return _steps.Where(s => s.Files is not null).SelectMany(s => s.Files!.Manifest.Files).Select(f => f.Sha256).ToHashSet(StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// This pod's whole setup as a plan from an empty journal (every recorded step, the applied environment), or null
    /// when nothing was applied or a journal written before steps were kept cannot be replayed.
    /// </summary>
    public LivePlan? ReplayPlan()
    {
        lock (_lock)
        {
            if (Environment is not { } environment || _steps.Count != _entries.Count)
            {
                return null;
            }

            return new LivePlan { Steps = _steps.ToArray(), Environment = environment.Variables, WorkingDirectory = environment.WorkingDirectory, User = environment.User };
        }
    }

    public void SaveEnvironment(AppliedEnvironment environment)
    {
        AtomicFile.WriteAllBytes(_environmentPath, JsonSerializer.SerializeToUtf8Bytes(environment));
        Environment = environment;
    }

    private void Save() => AtomicFile.WriteAllBytes(_journalPath, JsonSerializer.SerializeToUtf8Bytes(new JournalFile(_entries, _steps, Setup)));

    private sealed record JournalFile(
        [property: JsonPropertyName("entries")] IReadOnlyList<JournalEntry> Entries,
        [property: JsonPropertyName("steps")] IReadOnlyList<LiveStep>? Steps,
        [property: JsonPropertyName("setup")] string? Setup = null);
}

/// <summary>The environment, working directory and user a plan established for user code.</summary>
public sealed record AppliedEnvironment(
    [property: JsonPropertyName("environment")] IReadOnlyDictionary<string, string> Variables,
    [property: JsonPropertyName("workingDirectory")] string? WorkingDirectory,
    [property: JsonPropertyName("user")] string? User = null);
