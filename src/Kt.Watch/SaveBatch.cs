namespace Kt.Watch;

/// <summary>One file-system event as the watcher saw it: the path, and whether the path came into being (created, or the target of a rename).</summary>
internal readonly record struct FileEvent(string Path, bool Appeared);

/// <summary>
/// Turns a burst of file events into the paths an edit really changed. Editors rarely write a file in place: VS Code
/// and JetBrains (<c>*___jb_tmp___</c> / <c>*___jb_old___</c>) write a temp file and rename it over the original, vim
/// probes the folder with a file named <c>4913</c> and moves the original to <c>*~</c>, <c>sed -i</c> writes
/// <c>./sedXXXXXX</c> and renames it. None of those names is an input; taken for one, a 0.1 s edit became a full
/// publish. The rule that covers them all without a list of every editor's names: a path that came into being during
/// the batch (its first event) and is gone at its end never was an input (nothing that existed before changed). Names that outlive the
/// save (swap files, kept backups) are filtered by <see cref="ChangeClassifier.IsInput"/>.
/// </summary>
internal sealed class SaveBatch
{
    private readonly HashSet<string> _paths = new(StringComparer.Ordinal);
    private readonly HashSet<string> _appeared = new(StringComparer.Ordinal);

    public bool IsEmpty => _paths.Count == 0;

    public void Add(FileEvent change)
    {
        // Only a path whose first event in the batch is its appearance is new: one replaced and then deleted was there before.
        if (_paths.Add(change.Path) && change.Appeared)
        {
            _appeared.Add(change.Path);
        }
    }

    /// <summary>
    /// True while a C# file of the batch is missing: a safe-write save moves the original away before the new one is
    /// renamed in, and on a loaded machine the quiet period can end between the two. Waiting a little longer for it
    /// costs a real delete little (it reads the compiler arguments again anyway) and saves a save a needless re-read.
    /// </summary>
    public bool MissesSource => _paths.Any(p => !_appeared.Contains(p) && p.EndsWith(".cs", StringComparison.OrdinalIgnoreCase) && !File.Exists(p));

    /// <summary>The changed paths, less the transients (appeared during the batch and gone again).</summary>
    public IReadOnlyCollection<string> Changed() =>
        _paths.Where(p => !_appeared.Contains(p) || File.Exists(p) || Directory.Exists(p)).ToList();
}
