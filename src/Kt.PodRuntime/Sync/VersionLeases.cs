using System.Collections.Concurrent;

namespace Kt.PodRuntime.Sync;

/// <summary>
/// Which version folders have calls in flight: a call holds a lease on the folder its worker serves from dispatch to
/// reply, and pruning leaves a leased folder for a later prune (a call on an old version may still load files from it).
/// </summary>
public sealed class VersionLeases
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    // Every call asks for the folder its worker serves, the same string call after call: its name is kept.
    private volatile Tuple<string, string>? _lastName;

    /// <param name="directory">The version folder (its name is the key); null takes no lease.</param>
    public Lease Acquire(string? directory)
    {
        if (directory is null)
        {
            return default;
        }

        var last = _lastName;
        string name;
        if (last is not null && ReferenceEquals(last.Item1, directory))
        {
            name = last.Item2;
        }
        else
        {
            name = Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));
            _lastName = Tuple.Create(directory, name);
        }

        _counts.AddOrUpdate(name, 1, (_, n) => n + 1);
        return new Lease(this, name);
    }

    /// <summary>True while at least one call holds a lease on the version folder named <paramref name="folder"/>.</summary>
    public bool InUse(string folder) => _counts.TryGetValue(folder, out var n) && n > 0;

    private void Release(string name)
    {
        var left = _counts.AddOrUpdate(name, 0, (_, n) => n - 1);
        if (left <= 0)
        {
            _counts.TryRemove(new KeyValuePair<string, int>(name, left));
        }
    }

    public readonly struct Lease(VersionLeases? owner, string? name) : IDisposable
    {
        public void Dispose()
        {
            if (owner is not null && name is not null)
            {
                owner.Release(name);
            }
        }
    }
}
