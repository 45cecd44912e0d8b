using System.Collections.Concurrent;
using Kt.Core;

namespace Kt.PodRuntime.Client;

/// <summary>
/// Computes the <see cref="ContentManifest"/> of a folder. Hashes are cached by (path, size, mtime), so a re-sync
/// after a one-file change hashes one file. Symlinks that leave the folder are refused (KT4026).
/// </summary>
public sealed class ManifestBuilder
{
    private readonly ConcurrentDictionary<string, (long Size, DateTime Modified, string Sha256)> _cache = new(StringComparer.Ordinal);

    /// <param name="folder">The folder to describe.</param>
    /// <param name="excludedFolders">Top-level folder names left out (e.g. <c>kt-runtime</c>, which only the caller needs).</param>
    /// <param name="cancellationToken">Stops the hashing.</param>
    public async Task<ContentManifest> BuildAsync(string folder, IReadOnlyCollection<string>? excludedFolders = null, CancellationToken cancellationToken = default)
    {
        var root = Path.GetFullPath(folder);
        if (!Directory.Exists(root))
        {
            throw new KtException(RuntimeErrorCodes.InvalidPath, $"'{folder}' is not a folder.");
        }

        var files = new List<(string Full, string Relative)>();
        Collect(root, root, files, excludedFolders ?? []);
        var entries = new ContentEntry[files.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, files.Count), new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            async (i, ct) =>
            {
                var (full, relative) = files[i];
                var info = new FileInfo(full);
                var target = info.LinkTarget is null ? info : new FileInfo(info.ResolveLinkTarget(returnFinalTarget: true)!.FullName);
                var hash = await HashAsync(target, ct).ConfigureAwait(false);
                var mode = OperatingSystem.IsWindows() ? 420 : (int)File.GetUnixFileMode(target.FullName);
                entries[i] = new ContentEntry(relative, target.Length, mode, hash);
            }).ConfigureAwait(false);
        return new ContentManifest(entries.OrderBy(e => e.Path, StringComparer.Ordinal).ToArray());
    }

    private async Task<string> HashAsync(FileInfo file, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(file.FullName, out var cached) && cached.Size == file.Length && cached.Modified == file.LastWriteTimeUtc)
        {
            return cached.Sha256;
        }

        var digest = await Digest.ComputeFileAsync(file.FullName, cancellationToken).ConfigureAwait(false);
        _cache[file.FullName] = (file.Length, file.LastWriteTimeUtc, digest.Hex);
        return digest.Hex;
    }

    private static void Collect(string root, string directory, List<(string, string)> files, IReadOnlyCollection<string> excludedFolders)
    {
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
        {
            var relative = Path.GetRelativePath(root, entry.FullName).Replace('\\', '/');
            if (entry is DirectoryInfo && directory == root && excludedFolders.Contains(entry.Name))
            {
                continue;
            }

            if (entry.LinkTarget is not null)
            {
                var resolved = entry.ResolveLinkTarget(returnFinalTarget: true)?.FullName;
                if (resolved is null || !IsInside(root, resolved))
                {
                    throw new KtException(RuntimeErrorCodes.SymlinkEscape, $"'{relative}' is a symlink that leaves '{root}'; sync refuses it.");
                }

                if (entry is DirectoryInfo)
                {
                    continue; // its content is synced where it really lives
                }
            }

            if (entry is DirectoryInfo)
            {
                Collect(root, entry.FullName, files, excludedFolders);
            }
            else if (File.Exists(entry.FullName))
            {
                files.Add((entry.FullName, relative));
            }
        }
    }

    private static bool IsInside(string root, string candidate) =>
        (Path.GetFullPath(candidate) + Path.DirectorySeparatorChar).StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
