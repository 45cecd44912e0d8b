using Kt.Core;

namespace Kt.Oci;

/// <summary>
/// Builds a reproducible layer: the same entries give the same bytes on any machine and run.
/// Rules: entries sorted by path (ordinal), missing parent directories added (0755), every mtime =
/// <see cref="ReproducibleTime"/>, uid/gid 0 with empty user/group names, files 0644 or 0755 (execute bit kept),
/// directories 0755, ustar headers (GNU long names only when needed), then deterministic gzip
/// (<see cref="DeterministicGzipStream"/>). Adding the same path twice keeps the last one.
/// </summary>
public sealed class LayerBuilder
{
    private readonly Dictionary<string, LayerEntry> entries = new(StringComparer.Ordinal);

    /// <param name="modificationTime">mtime for every entry; null = <see cref="ReproducibleTime.Resolve"/>.</param>
    public LayerBuilder(DateTimeOffset? modificationTime = null) => ModificationTime = ReproducibleTime.Resolve(modificationTime);

    public DateTimeOffset ModificationTime { get; }

    public IReadOnlyCollection<LayerEntry> Entries => entries.Values;

    /// <summary>Adds a file from disk; executable unless told otherwise when any execute bit is set on disk.</summary>
    public LayerBuilder AddFile(string path, string sourceFile, bool? executable = null)
    {
        var info = new FileInfo(sourceFile);
        if (!info.Exists)
        {
            throw new KtException(OciErrors.LayerSourceMissing, $"Cannot add '{sourceFile}' to a layer: the file does not exist.");
        }

        var isExecutable = executable ?? (!OperatingSystem.IsWindows()
            && (File.GetUnixFileMode(sourceFile) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);
        return Add(new LayerEntry(LayerPath.Normalize(path), TarEntryKind.File, isExecutable ? 0b111_101_101 : 0b110_100_100, info.Length,
            () => new FileStream(sourceFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan), null));
    }

    public LayerBuilder AddBytes(string path, ReadOnlyMemory<byte> content, bool executable = false) =>
        Add(new LayerEntry(LayerPath.Normalize(path), TarEntryKind.File, executable ? 0b111_101_101 : 0b110_100_100, content.Length,
            () => new MemoryStream(content.ToArray(), writable: false), null));

    public LayerBuilder AddDirectory(string path) =>
        Add(new LayerEntry(LayerPath.Normalize(path), TarEntryKind.Directory, 0b111_101_101, 0, null, null));

    public LayerBuilder AddSymlink(string path, string target) =>
        Add(new LayerEntry(LayerPath.Normalize(path), TarEntryKind.Symlink, 0b111_111_111, 0, null, target));

    /// <summary>Adds a folder from disk (files, sub-folders, symlinks as links) under <paramref name="targetDirectory"/>.</summary>
    public LayerBuilder AddTree(string sourceDirectory, string targetDirectory)
    {
        var root = new DirectoryInfo(sourceDirectory);
        if (!root.Exists)
        {
            throw new KtException(OciErrors.LayerSourceMissing, $"Cannot add '{sourceDirectory}' to a layer: the folder does not exist.");
        }

        var target = LayerPath.Normalize(targetDirectory);
        AddDirectory(target);
        foreach (var item in root.EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var relative = Path.GetRelativePath(root.FullName, item.FullName).Replace('\\', '/');
            var path = target + "/" + relative;
            if (item.LinkTarget is { } link)
            {
                AddSymlink(path, link);
            }
            else if (item is DirectoryInfo)
            {
                AddDirectory(path);
            }
            else
            {
                AddFile(path, item.FullName);
            }
        }

        return this;
    }

    /// <summary>Adds an entry as given (used by <see cref="LayerNormalizer"/> to keep hardlinks, devices and permissions).</summary>
    public LayerBuilder Add(LayerEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        entries[entry.Path] = entry;
        return this;
    }

    /// <summary>Writes the uncompressed, reproducible tar to <paramref name="output"/>.</summary>
    public async Task WriteTarAsync(Stream output, CancellationToken cancellationToken = default)
    {
        var writer = new TarStreamWriter(output);
        var mtime = ModificationTime.ToUnixTimeSeconds();
        foreach (var entry in OrderedEntries())
        {
            var header = new TarHeader(entry.Path, entry.Kind, entry.Mode, entry.Size, mtime, entry.LinkTarget, entry.Uid, entry.Gid, entry.DevMajor, entry.DevMinor);
            if (entry.Kind == TarEntryKind.File && entry.Size > 0)
            {
                await using var content = entry.OpenContent!();
                await writer.WriteEntryAsync(header, content, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await writer.WriteEntryAsync(header, null, cancellationToken).ConfigureAwait(false);
            }
        }

        await writer.FinishAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the gzip layer into <paramref name="cache"/> (named by its digest) and describes it.</summary>
    public async Task<Layer> BuildAsync(BlobCache cache, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cache);
        var temp = cache.CreateTempPath();
        try
        {
            Digest diffId;
            Digest digest;
            long size;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                using var compressedHash = new HashingStream(file);
                using var gzip = new DeterministicGzipStream(compressedHash);
                using var tarHash = new HashingStream(gzip);
                await WriteTarAsync(tarHash, cancellationToken).ConfigureAwait(false);
                gzip.Finish();
                diffId = tarHash.GetDigest();
                digest = compressedHash.GetDigest();
                size = compressedHash.BytesWritten;
            }

            var path = cache.Commit(temp, digest);
            return new Layer(diffId, digest, size, MediaTypes.OciLayerGzip, path);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private List<LayerEntry> OrderedEntries()
    {
        var all = new Dictionary<string, LayerEntry>(entries, StringComparer.Ordinal);
        foreach (var entry in entries.Values)
        {
            foreach (var ancestor in LayerPath.Ancestors(entry.Path))
            {
                if (!all.TryGetValue(ancestor, out var existing))
                {
                    all[ancestor] = new LayerEntry(ancestor, TarEntryKind.Directory, 0b111_101_101, 0, null, null);
                }
                else if (existing.Kind != TarEntryKind.Directory)
                {
                    throw new KtException(OciErrors.BadLayerPath, $"Layer entry '{entry.Path}' lies below '{ancestor}', which is a {existing.Kind.ToString().ToLowerInvariant()}, not a directory.");
                }
            }
        }

        var ordered = all.Values.ToList();
        ordered.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return ordered;
    }
}
