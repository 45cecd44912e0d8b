using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kt.Core;
using Kt.PodRuntime.Errors;
using Kt.PodRuntime.Hosting;
using Kt.PodRuntime.Sync;

namespace Kt.PodRuntime.Journal;

/// <summary>
/// Applies a copy/sync step: places the listed files from the blob store at the destination and deletes the files
/// that the previous application for the same destination placed and that are no longer listed. What was placed is
/// remembered in <c>&lt;root&gt;/placements</c>.
/// </summary>
public sealed class FilePlacer
{
    private readonly string _records;
    private readonly BlobStore _blobs;

    public FilePlacer(string root, BlobStore blobs)
    {
        _records = Path.Combine(root, "placements");
        _blobs = blobs;
    }

    /// <summary>The step's shape: an absolute destination and a valid manifest (no I/O).</summary>
    public static void ValidateShape(LiveFiles? files, long maxBlobBytes)
    {
        if (files is null || string.IsNullOrEmpty(files.Destination) || !Path.IsPathFullyQualified(files.Destination) || files.Destination.Contains('\0', StringComparison.Ordinal))
        {
            throw new RuntimeError(RuntimeErrorCodes.InvalidPlan, 400, "A file step's destination must be an absolute path.");
        }

        PathRules.Validate(files.Manifest, maxBlobBytes);
    }

    /// <summary>Everything that can refuse the step, checked before any step of its plan runs: shape, blobs, symlinks.</summary>
    public async Task ValidateAsync(LiveFiles files, long maxBlobBytes, CancellationToken cancellationToken)
    {
        ValidateShape(files, maxBlobBytes);
        var missing = (await _blobs.MissingAsync(files.Manifest.Files, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
        if (missing is not null)
        {
            throw new RuntimeError(RuntimeErrorCodes.FileStepBlobMissing, 409, $"The content of '{missing.Path}' ({missing.Sha256}) was not uploaded; upload the step's blobs before applying the plan.");
        }

        var destination = Path.GetFullPath(files.Destination);
        foreach (var entry in files.Manifest.Files)
        {
            Resolve(destination, entry.Path);
        }
    }

    public async Task<(int Placed, int Deleted)> PlaceAsync(LiveFiles files, long maxBlobBytes, CancellationToken cancellationToken)
    {
        await ValidateAsync(files, maxBlobBytes, cancellationToken).ConfigureAwait(false);
        var destination = Path.GetFullPath(files.Destination);
        Directory.CreateDirectory(destination);
        var placed = 0;
        foreach (var entry in files.Manifest.Files)
        {
            await _blobs.VerifyAsync(entry.Sha256, entry.Size, cancellationToken).ConfigureAwait(false);
            var target = Resolve(destination, entry.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var temp = target + ".kt-" + Guid.NewGuid().ToString("N")[..8];
            File.Copy(_blobs.PathOf(entry.Sha256), temp);
            File.SetUnixFileMode(temp, (UnixFileMode)(entry.Mode & 0xFFF));
            File.Move(temp, target, overwrite: true);
            placed++;
        }

        var record = RecordPath(destination);
        var previous = File.Exists(record) ? JsonSerializer.Deserialize<string[]>(File.ReadAllBytes(record)) ?? [] : [];
        var listed = files.Manifest.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        var deleted = 0;
        foreach (var stale in previous.Where(p => !listed.Contains(p)))
        {
            var target = Resolve(destination, stale);
            if (File.Exists(target))
            {
                File.Delete(target);
                deleted++;
            }
        }

        AtomicFile.WriteAllBytes(record, JsonSerializer.SerializeToUtf8Bytes(listed.Order(StringComparer.Ordinal).ToArray()));
        return (placed, deleted);
    }

    // A listed path may not leave the destination through a symlink planted in it.
    private static string Resolve(string destination, string relative)
    {
        PathRules.ValidatePath(relative);
        var current = destination;
        foreach (var segment in relative.Split('/'))
        {
            current = Path.Combine(current, segment);
            var info = new FileInfo(current);
            if (info.LinkTarget is not null)
            {
                var resolved = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? string.Empty;
                if (!PathRules.IsInside(destination, resolved))
                {
                    throw new RuntimeError(RuntimeErrorCodes.SymlinkEscape, 400, $"'{relative}' goes through a symlink that leaves '{destination}'.");
                }
            }
        }

        return current;
    }

    private string RecordPath(string destination) =>
        Path.Combine(_records, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(destination))) + ".json");
}
