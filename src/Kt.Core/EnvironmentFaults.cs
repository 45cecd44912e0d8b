namespace Kt.Core;

/// <summary>
/// Faults of this machine rather than of Kt or the definition: a folder that is not writable, a full disk, a file where
/// a folder must be (or the reverse). Each has its own code, so a user reads "your disk is full", not "a bug in Kt"
/// (KT6011) or "the runtime failed" (KT4099). Applied where an error leaves Kt: the MSBuild tasks, <c>kt</c>, the pod.
/// </summary>
public static class EnvironmentFaults
{
    /// <summary>A path Kt must write is not writable (permissions, a read-only file system).</summary>
    public const string NotWritable = "KT9001";

    /// <summary>The disk (or the user's quota) is full.</summary>
    public const string DiskFull = "KT9002";

    /// <summary>A path is a file where Kt needs a folder, or a folder where it needs a file.</summary>
    public const string WrongKindOfPath = "KT9003";

    // errno values .NET keeps as an IOException's HResult on Unix.
    private const int Eexist = 17, Enotdir = 20, Eisdir = 21, Enospc = 28, Erofs = 30, Edquot = 122;

    /// <summary>The exception (or one inside it) as an environment fault with its code, or null when it is none.</summary>
    public static KtException? Classify(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is KtException)
            {
                return null; // already says what it is
            }

            if (Classified(e) is { } fault)
            {
                return fault;
            }
        }

        return null;
    }

    private static KtException? Classified(Exception e) => e switch
    {
        UnauthorizedAccessException => new KtException(NotWritable, $"{e.Message.TrimEnd('.')}: this user cannot write there; fix the permissions or point Kt at a writable folder.", e),
        IOException { HResult: Erofs } => new KtException(NotWritable, $"{e.Message.TrimEnd('.')}: the file system is read-only; point Kt at a writable folder.", e),
        IOException { HResult: Enospc or Edquot } => new KtException(DiskFull, $"{e.Message.TrimEnd('.')}: the disk (or this user's quota) is full; free space and run again.", e),
        IOException { HResult: Eisdir or Enotdir or Eexist } => WrongKind(e, e.Message),
        // ENOTDIR comes as "could not find a part of the path": it is that only when no ancestor is a file.
        DirectoryNotFoundException when FileAncestor(QuotedPath(e.Message)) is { } file => WrongKind(e, $"'{file}' is a file, so {e.Message.TrimEnd('.')}"),
        _ => null,
    };

    private static KtException WrongKind(Exception e, string what) =>
        new(WrongKindOfPath, $"{what.TrimEnd('.')}: a file is where Kt needs a folder, or a folder where it needs a file; move it away and run again.", e);

    private static string? QuotedPath(string message)
    {
        var start = message.IndexOf('\'');
        var end = start < 0 ? -1 : message.IndexOf('\'', start + 1);
        return end > start ? message[(start + 1)..end] : null;
    }

    private static string? FileAncestor(string? path)
    {
        for (var current = path is null ? null : Path.GetDirectoryName(path); !string.IsNullOrEmpty(current); current = Path.GetDirectoryName(current))
        {
            if (File.Exists(current))
            {
                return current;
            }
        }

        return null;
    }
}
