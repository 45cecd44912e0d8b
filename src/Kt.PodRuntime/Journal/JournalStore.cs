using System.Text.Json;
using System.Text.Json.Serialization;
using Kt.Core;
using Kt.PodRuntime.Hosting;

namespace Kt.PodRuntime.Journal;

/// <summary>
/// The persisted step journal <c>&lt;root&gt;/journal.json</c> plus the applied environment <c>&lt;root&gt;/environment.json</c>:
/// both rewritten atomically, so a restarted runtime continues exactly where the last successful step left off.
/// </summary>
public sealed class JournalStore
{
    private readonly string _journalPath;
    private readonly string _environmentPath;
    private readonly Lock _lock = new();
    private List<JournalEntry> _entries;

    public JournalStore(string root)
    {
        _journalPath = Path.Combine(root, "journal.json");
        _environmentPath = Path.Combine(root, "environment.json");
        _entries = File.Exists(_journalPath)
            ? JsonSerializer.Deserialize<JournalFile>(File.ReadAllBytes(_journalPath))?.Entries.ToList() ?? []
            : [];
        Environment = File.Exists(_environmentPath) ? JsonSerializer.Deserialize<AppliedEnvironment>(File.ReadAllBytes(_environmentPath)) : null;
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
                Save();
            }
        }
    }

    public void Append(JournalEntry entry)
    {
        lock (_lock)
        {
            _entries.Add(entry);
            Save();
        }
    }

    public void SaveEnvironment(AppliedEnvironment environment)
    {
        AtomicFile.WriteAllBytes(_environmentPath, JsonSerializer.SerializeToUtf8Bytes(environment));
        Environment = environment;
    }

    private void Save() => AtomicFile.WriteAllBytes(_journalPath, JsonSerializer.SerializeToUtf8Bytes(new JournalFile(_entries)));

    private sealed record JournalFile([property: JsonPropertyName("entries")] IReadOnlyList<JournalEntry> Entries);
}

/// <summary>The environment and working directory a plan established for user code.</summary>
public sealed record AppliedEnvironment(
    [property: JsonPropertyName("environment")] IReadOnlyDictionary<string, string> Variables,
    [property: JsonPropertyName("workingDirectory")] string? WorkingDirectory);
