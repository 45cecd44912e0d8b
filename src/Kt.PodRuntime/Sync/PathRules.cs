using System.Text;
using Kt.Core;
using Kt.PodRuntime.Errors;

namespace Kt.PodRuntime.Sync;

/// <summary>
/// What a manifest may contain: relative '/'-separated paths made of ordinary names, each path once, lowercase
/// sha256 hashes, sizes within the limit. Everything else is refused before anything is written.
/// </summary>
public static class PathRules
{
    /// <summary>Limits in UTF-8 bytes, as the filesystem counts them (NAME_MAX is 255 bytes, not characters).</summary>
    public const int MaxPathLength = 1024;
    public const int MaxNameLength = 255;

    public static void Validate(ContentManifest? manifest, long maxBlobBytes)
    {
        if (manifest?.Files is null)
        {
            throw Bad(RuntimeErrorCodes.MalformedRequest, "The manifest has no 'files' list.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var directories = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in manifest.Files)
        {
            ValidateEntry(entry, maxBlobBytes);
            if (!seen.Add(entry.Path))
            {
                throw Bad(RuntimeErrorCodes.DuplicatePath, $"'{entry.Path}' is listed twice.");
            }

            var slash = entry.Path.LastIndexOf('/');
            while (slash > 0)
            {
                directories.Add(entry.Path[..slash]);
                slash = entry.Path.LastIndexOf('/', slash - 1);
            }
        }

        // A path that is both a file and a directory ('a' and 'a/b') cannot be materialised.
        foreach (var directory in directories)
        {
            if (seen.Contains(directory))
            {
                throw Bad(RuntimeErrorCodes.DuplicatePath, $"'{directory}' is listed as a file and used as a folder.");
            }
        }
    }

    /// <summary>One entry on its own: path, hash, size and mode (what a manifest's structure adds is checked by <see cref="Validate"/>).</summary>
    public static void ValidateEntry(ContentEntry? entry, long maxBlobBytes)
    {
        if (entry is null)
        {
            throw Bad(RuntimeErrorCodes.MalformedRequest, "The manifest contains a null entry.");
        }

        ValidatePath(entry.Path);
        ValidateHash(entry.Sha256);
        if (entry.Size < 0)
        {
            throw Bad(RuntimeErrorCodes.SizeMismatch, $"'{entry.Path}' has a negative size.");
        }

        if (entry.Size > maxBlobBytes)
        {
            throw new RuntimeError(RuntimeErrorCodes.BlobTooLarge, 413, $"'{entry.Path}' is {entry.Size} bytes, over the limit of {maxBlobBytes}.");
        }

        if (entry.Mode is < 0 or > 0xFFF)
        {
            throw Bad(RuntimeErrorCodes.InvalidPath, $"'{entry.Path}' has an invalid mode {entry.Mode}.");
        }
    }

    public static void ValidatePath(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw Bad(RuntimeErrorCodes.InvalidPath, "A manifest path is empty.");
        }

        if (Encoding.UTF8.GetByteCount(path) > MaxPathLength)
        {
            throw Bad(RuntimeErrorCodes.InvalidPath, $"A manifest path is longer than {MaxPathLength} bytes in UTF-8.");
        }

        if (path[0] == '/')
        {
            throw Bad(RuntimeErrorCodes.InvalidPath, $"'{Printable(path)}' is absolute; manifest paths are relative.");
        }

        if (path.Length >= 2 && path[1] == ':' && char.IsAsciiLetter(path[0]))
        {
            throw Bad(RuntimeErrorCodes.InvalidPath, $"'{Printable(path)}' has a drive letter.");
        }

        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (char.IsHighSurrogate(c) && i + 1 < path.Length && char.IsLowSurrogate(path[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                throw Bad(RuntimeErrorCodes.InvalidPath, $"'{Printable(path)}' is not valid Unicode.");
            }

            if (c == '\\')
            {
                throw Bad(RuntimeErrorCodes.InvalidPath, $"'{Printable(path)}' contains a backslash; use '/'.");
            }

            if (c < 0x20 || c == 0x7F)
            {
                throw Bad(RuntimeErrorCodes.InvalidPath, $"'{Printable(path)}' contains a control character.");
            }
        }

        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment is "." or "..")
            {
                throw Bad(RuntimeErrorCodes.InvalidPath, $"'{Printable(path)}' has an empty, '.' or '..' segment.");
            }

            if (Encoding.UTF8.GetByteCount(segment) > MaxNameLength)
            {
                throw Bad(RuntimeErrorCodes.InvalidPath, $"'{Printable(path)}' has a name of {Encoding.UTF8.GetByteCount(segment)} bytes in UTF-8; a name is at most {MaxNameLength}.");
            }
        }
    }

    public static void ValidateHash(string? sha256)
    {
        if (sha256 is null || sha256.Length != 64 || !sha256.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            throw Bad(RuntimeErrorCodes.InvalidDigest, $"'{Printable(sha256 ?? "(null)")}' is not a sha256 (64 lowercase hex characters).");
        }
    }

    /// <summary>True when <paramref name="candidate"/> (already resolved) is <paramref name="root"/> or inside it.</summary>
    public static bool IsInside(string root, string candidate)
    {
        var normalizedRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)) + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(candidate);
        return (full + Path.DirectorySeparatorChar).StartsWith(normalizedRoot, StringComparison.Ordinal);
    }

    private static string Printable(string text) =>
        new(text.Take(200).Select(c => c < 0x20 || c == 0x7F ? '?' : c).ToArray());

    private static RuntimeError Bad(string code, string message) => new(code, 400, message);
}
