using System.Security.Cryptography;
using Kt.Core;

using Kt.ImageCompiler.Model;

namespace Kt.ImageCompiler.Resolution;

/// <summary>
/// Turns copy/sync sources into the files they place, with Docker's COPY rules: a file goes to the destination (or
/// into it when it ends with '/'), a folder's contents go into the destination, glob matches go into the destination
/// keeping their path below the glob's fixed prefix. Sources must exist and (for copy) stay inside the project root,
/// symlinks included.
/// </summary>
public sealed class FileSetResolver
{
    private readonly string _root;
    private readonly Dictionary<string, (long Length, DateTime Written, string Hash)> _hashes = new(StringComparer.Ordinal);

    public FileSetResolver(string projectRoot)
    {
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(projectRoot));
    }

    public IReadOnlyList<ResolvedFile> ResolveCopy(string source, string destination, string? origin)
    {
        var normalized = source.Replace('\\', '/');
        if (Path.IsPathRooted(normalized))
        {
            throw new KtException(ImageErrors.CopySourceOutsideProject,
                $"{Model.StepValidation.Where(origin)}copy source '{source}' must be relative to the project folder.");
        }

        if (normalized.IndexOfAny(['*', '?', '[']) >= 0)
        {
            return ResolveGlob(normalized, destination, origin);
        }

        var full = InsideRoot(Path.GetFullPath(Path.Combine(_root, normalized)), source, origin);
        if (File.Exists(full))
        {
            var target = destination.EndsWith('/') ? destination + Path.GetFileName(full) : destination;
            return [Describe(full, target)];
        }

        if (Directory.Exists(full))
        {
            return ResolveFolder(full, destination, checkInsideRoot: true, origin);
        }

        throw new KtException(ImageErrors.CopySourceMissing,
            $"{Model.StepValidation.Where(origin)}copy source '{source}' does not exist in the project folder.");
    }

    public IReadOnlyList<ResolvedFile> ResolveSync(string source, string destination, string? origin)
    {
        var full = Path.GetFullPath(Path.Combine(_root, source));
        if (!Directory.Exists(full))
        {
            throw new KtException(ImageErrors.CopySourceMissing,
                $"{Model.StepValidation.Where(origin)}sync source '{source}' is not an existing folder.");
        }

        return ResolveFolder(full, destination, checkInsideRoot: false, origin);
    }

    /// <summary>Every file of a folder placed below <paramref name="destination"/>, sorted by image path.</summary>
    public IReadOnlyList<ResolvedFile> ResolveFolder(string folder, string destination, bool checkInsideRoot, string? origin)
    {
        var files = new List<ResolvedFile>();
        foreach (var file in EnumerateFiles(folder, checkInsideRoot, origin))
        {
            var relative = Path.GetRelativePath(folder, file).Replace('\\', '/');
            files.Add(Describe(file, ImagePaths.Join(destination, relative)));
        }

        return files.OrderBy(f => f.ImagePath, StringComparer.Ordinal).ToList();
    }

    /// <summary>A bundle's files: the whole folder, or only the listed relative files and folders (sorted by image path).</summary>
    public IReadOnlyList<ResolvedFile> ResolveBundle(FileBundle bundle) =>
        BundleFiles(bundle).Select(f => Describe(f.SourcePath, f.ImagePath)).OrderBy(f => f.ImagePath, StringComparer.Ordinal).ToList();

    /// <summary>Where a bundle's files are and where they go, without reading them (KT1016 for a missing part).</summary>
    public IEnumerable<(string SourcePath, string ImagePath)> BundleFiles(FileBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        if (!Directory.Exists(bundle.SourceDirectory))
        {
            throw new KtException(ImageErrors.BundleMissing, $"the {bundle.Name} folder '{bundle.SourceDirectory}' does not exist.");
        }

        foreach (var relative in bundle.Include ?? ["."])
        {
            var path = Path.GetFullPath(Path.Combine(bundle.SourceDirectory, relative));
            var imagePath = ImagePaths.Join(bundle.Destination, relative.Replace('\\', '/'));
            if (File.Exists(path))
            {
                yield return (path, imagePath);
            }
            else if (Directory.Exists(path))
            {
                foreach (var file in EnumerateFiles(path, checkInsideRoot: false, origin: null))
                {
                    yield return (file, ImagePaths.Join(imagePath, Path.GetRelativePath(path, file).Replace('\\', '/')));
                }
            }
            else
            {
                throw new KtException(ImageErrors.BundleMissing, $"the {bundle.Name} lacks '{relative}' (looked in '{bundle.SourceDirectory}').");
            }
        }
    }

    private List<ResolvedFile> ResolveGlob(string pattern, string destination, string? origin)
    {
        var segments = pattern.Split('/');
        var fixedCount = segments.TakeWhile(s => s.IndexOfAny(['*', '?', '[']) < 0).Count();
        var baseFolder = Path.GetFullPath(Path.Combine(_root, string.Join('/', segments.Take(fixedCount))));
        InsideRoot(baseFolder, pattern, origin);
        var matcher = GlobMatcher.Create(string.Join('/', segments.Skip(fixedCount)));
        var files = new List<ResolvedFile>();
        if (Directory.Exists(baseFolder))
        {
            foreach (var file in EnumerateFiles(baseFolder, checkInsideRoot: true, origin))
            {
                var relative = Path.GetRelativePath(baseFolder, file).Replace('\\', '/');
                if (matcher(relative))
                {
                    InsideRoot(file, relative, origin);
                    files.Add(Describe(file, ImagePaths.Join(destination.EndsWith('/') ? destination : destination + "/", relative)));
                }
            }
        }

        if (files.Count == 0)
        {
            throw new KtException(ImageErrors.CopySourceMissing,
                $"{Model.StepValidation.Where(origin)}copy source '{pattern}' matches no file in the project folder.");
        }

        return files.OrderBy(f => f.ImagePath, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Walks a folder without following symlinked folders blindly: .NET's recursive enumeration would follow a link to
    /// a folder outside the project, and the files found there are not links themselves. Each symlinked folder is
    /// resolved; for copy sources it must stay inside the project root, and it is walked only once (no cycles).
    /// </summary>
    private IEnumerable<string> EnumerateFiles(string folder, bool checkInsideRoot, string? origin)
    {
        var pending = new Stack<string>([folder]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            var real = new DirectoryInfo(current).LinkTarget is null
                ? current
                : new DirectoryInfo(current).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? current;
            if (checkInsideRoot)
            {
                InsideRoot(real, Path.GetRelativePath(_root, current), origin);
            }

            if (!seen.Add(real))
            {
                continue;
            }

            foreach (var entry in new DirectoryInfo(current).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                if (entry is DirectoryInfo)
                {
                    pending.Push(entry.FullName);
                }
                else
                {
                    if (checkInsideRoot)
                    {
                        InsideRoot(entry.FullName, Path.GetRelativePath(_root, entry.FullName), origin);
                    }

                    yield return entry.FullName;
                }
            }
        }
    }

    /// <summary>Refuses paths that leave the project root, following symlinks to their final target.</summary>
    private string InsideRoot(string fullPath, string shownAs, string? origin)
    {
        var resolved = fullPath;
        var info = new FileInfo(fullPath);
        if (info.Exists && info.LinkTarget is not null)
        {
            resolved = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? fullPath;
        }
        else if (Directory.Exists(fullPath) && new DirectoryInfo(fullPath).LinkTarget is not null)
        {
            resolved = new DirectoryInfo(fullPath).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? fullPath;
        }

        foreach (var candidate in new[] { fullPath, resolved })
        {
            if (candidate != _root && !candidate.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new KtException(ImageErrors.CopySourceOutsideProject,
                    $"{Model.StepValidation.Where(origin)}copy source '{shownAs}' is outside the project folder.");
            }
        }

        return fullPath;
    }

    private ResolvedFile Describe(string file, string imagePath)
    {
        var info = new FileInfo(file);
        var executable = !OperatingSystem.IsWindows() && (File.GetUnixFileMode(file) & UnixFileMode.UserExecute) != 0;
        return new ResolvedFile(file, imagePath, executable ? ResolvedFile.ExecutableMode : ResolvedFile.RegularMode, info.Length, Hash(info));
    }

    // Hashes are cached per resolver by (length, mtime): the mtime only decides whether to re-hash, never the key.
    private string Hash(FileInfo info)
    {
        if (_hashes.TryGetValue(info.FullName, out var cached) && cached.Length == info.Length && cached.Written == info.LastWriteTimeUtc)
        {
            return cached.Hash;
        }

        using var stream = info.OpenRead();
        var hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        _hashes[info.FullName] = (info.Length, info.LastWriteTimeUtc, hash);
        return hash;
    }
}
