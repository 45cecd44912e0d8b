using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kt.PodRuntime.Protocol;

/// <summary>
/// Who owns a live pod's root: the runtime holds <see cref="LockFileName"/> open exclusively (an advisory lock the
/// operating system drops when the process dies, however it dies) and, once it listens, names itself in
/// <see cref="OwnerFileName"/>. A second runtime on a locked root refuses to start (KT4053); a backend that lost
/// track of its pods (a torn state file, a rewritten pid) asks the root, not its own records, which process serves it.
/// </summary>
public sealed record RootOwner(
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("port")] int Port)
{
    public const string LockFileName = ".kt-runtime.lock";

    public const string OwnerFileName = ".kt-runtime.owner";

    /// <summary>Takes the root's lock for the life of the returned stream, or null when another process holds it.</summary>
    public static FileStream? TryLock(string root)
    {
        try
        {
            // FileShare.None is an exclusive flock on Unix: one holder per file, released with the descriptor.
            return new FileStream(Path.Combine(root, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>True while a process holds the root's lock (probed by taking it for an instant).</summary>
    public static bool IsLocked(string root)
    {
        if (!File.Exists(Path.Combine(root, LockFileName)))
        {
            return false;
        }

        using var probe = TryLock(root);
        return probe is null;
    }

    /// <summary>What the root's owner wrote about itself, or null (no owner file, a torn one, or one not yet written).</summary>
    public static RootOwner? Read(string root)
    {
        try
        {
            var owner = JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(root, OwnerFileName)), RootOwnerJson.Default.RootOwner);
            return owner is { Pid: > 0, Port: > 0 } ? owner : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Written by the lock's holder once it listens (atomically: a reader sees a whole record or none).</summary>
    public void Write(string root) =>
        AtomicFile.WriteAllText(Path.Combine(root, OwnerFileName), JsonSerializer.Serialize(this, RootOwnerJson.Default.RootOwner));

    public override string ToString() => $"process {Pid.ToString(CultureInfo.InvariantCulture)} on port {Port.ToString(CultureInfo.InvariantCulture)}";
}

[JsonSerializable(typeof(RootOwner))]
internal sealed partial class RootOwnerJson : JsonSerializerContext;
