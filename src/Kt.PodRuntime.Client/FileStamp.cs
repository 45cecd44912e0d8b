using System.Runtime.InteropServices;

namespace Kt.PodRuntime.Client;

/// <summary>
/// What the file system says about an entry without reading its bytes: kind, size, permission bits, modification and
/// change times in nanoseconds, and inode. Two equal stamps of a path are the cheap proof that its content did not
/// change (see <see cref="ManifestBuilder"/> for the racy case): a write moves mtime and ctime, a chmod moves ctime, a
/// save by write-temp-then-rename brings another inode, and ctime cannot be set back by the user (mtime can).
/// </summary>
/// <param name="ChangedNs">0 where the platform does not say (then size, mtime and the racy window decide).</param>
/// <param name="Inode">0 where the platform does not say.</param>
internal readonly partial record struct FileStamp(FileKind Kind, long Size, int Mode, long ModifiedNs, long ChangedNs, ulong Inode)
{
    /// <summary>The latest of the two times: what the racy check compares with the moment the stamp was read.</summary>
    public long LatestNs => Math.Max(ModifiedNs, ChangedNs);

    /// <summary>The entry's stamp, following a symlink when <paramref name="follow"/>; null when it is gone.</summary>
    public static FileStamp? Read(string path, bool follow) =>
        OperatingSystem.IsLinux() && StatxAvailable ? Statx(path, follow) : Portable(path, follow);

    private static bool StatxAvailable = true;

    // statx(2): one call per entry, and its buffer layout is the same on every architecture (unlike stat(2)'s).
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int StatxNative(int directoryFd, string path, int flags, uint mask, byte* buffer);

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;

    private static unsafe FileStamp? Statx(string path, bool follow)
    {
        var buffer = stackalloc byte[256];
        try
        {
            if (StatxNative(AtFdCwd, path, follow ? 0 : AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
            {
                var error = Marshal.GetLastPInvokeError();
                return error is ENOENT or ENOTDIR ? null : throw new IOException($"Cannot read the status of '{path}' (errno {error}).");
            }
        }
        catch (EntryPointNotFoundException)
        {
            StatxAvailable = false; // a libc without statx (glibc < 2.28): size, mtime and the racy window decide
            return Portable(path, follow);
        }

        var mode = *(ushort*)(buffer + 28);
        var kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.Symlink,
            _ => FileKind.Other,
        };
        static long Nanoseconds(byte* timestamp) => *(long*)timestamp * 1_000_000_000L + *(uint*)(timestamp + 8);
        return new FileStamp(kind, *(long*)(buffer + 40), mode & 0xFFF, Nanoseconds(buffer + 112), Nanoseconds(buffer + 96), *(ulong*)(buffer + 32));
    }

    private static FileStamp? Portable(string path, bool follow)
    {
        FileSystemInfo info = Directory.Exists(path) && !File.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
        if (!info.Exists)
        {
            return null;
        }

        if (info.LinkTarget is not null)
        {
            if (!follow)
            {
                return new FileStamp(FileKind.Symlink, 0, 0, (info.LastWriteTimeUtc - DateTime.UnixEpoch).Ticks * 100, 0, 0);
            }

            info = info.ResolveLinkTarget(returnFinalTarget: true) ?? info;
            if (!info.Exists)
            {
                return null;
            }
        }

        var kind = info is DirectoryInfo ? FileKind.Directory : FileKind.Regular;
        var size = info is FileInfo file ? file.Length : 0;
        var mode = OperatingSystem.IsWindows() ? 420 : (int)info.UnixFileMode;
        return new FileStamp(kind, size, mode, (info.LastWriteTimeUtc - DateTime.UnixEpoch).Ticks * 100, 0, 0);
    }
}

/// <summary>What a directory entry is, as far as syncing cares.</summary>
internal enum FileKind
{
    Regular,
    Directory,
    Symlink,
    Other,
}
