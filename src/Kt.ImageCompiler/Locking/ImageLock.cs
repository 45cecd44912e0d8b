using System.Text.Json;
using System.Text.Json.Serialization;
using Kt.Core;

namespace Kt.ImageCompiler.Locking;

/// <summary>
/// <c>kt.lock.json</c>: what a freeze resolved, meant to be committed next to the csproj. The base image by digest and,
/// per step key, what the step installed (apt, pip, dotnet tools) or placed (files with their sha256). A locked freeze
/// installs exactly these versions; the live loop applies the same pins.
/// </summary>
public sealed record ImageLock(int Version, LockedBase Base, IReadOnlyList<LockedStep> Steps)
{
    public const string FileName = "kt.lock.json";
    public const int CurrentVersion = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public LockedStep? StepFor(string key) => Steps.FirstOrDefault(s => s.Key == key);

    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    /// <summary>Reads a lockfile; null when there is none. A file that is not a lockfile is KT1042 naming it.</summary>
    public static ImageLock? TryRead(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var read = JsonSerializer.Deserialize<ImageLock>(File.ReadAllText(path), Json);
            if (read is null || read.Version != CurrentVersion || read.Base is null || !Digest.TryParse(read.Base.Digest, out _) || read.Steps is null
                || read.Steps.Any(s => s?.Key is null))
            {
                throw new JsonException($"not a version {CurrentVersion} lockfile");
            }

            return read;
        }
        catch (JsonException e)
        {
            throw new KtException(ImageErrors.LockfileUnreadable,
                $"{path}: {e.Message}; restore it from version control, or delete it and freeze without KtLocked to write a new one.");
        }
    }

    /// <summary>Writes the lockfile atomically (a crash leaves the previous one).</summary>
    public void Write(string path) => AtomicFile.WriteAllText(path, ToJson());
}

/// <summary>The base image as the freeze resolved it: the declared reference and the manifest digest it named then.</summary>
public sealed record LockedBase(string Reference, string Digest);

/// <summary>One step of the definition (by step key) and what it resolved to.</summary>
public sealed record LockedStep(string Key, string Kind, string Description)
{
    /// <summary>Debian packages this step installed (dpkg's status in the step's layer), dependencies included.</summary>
    public IReadOnlyList<LockedPackage>? Apt { get; init; }

    /// <summary>Python distributions this step installed (their <c>.dist-info/METADATA</c>), dependencies included.</summary>
    public IReadOnlyList<LockedPackage>? Pip { get; init; }

    /// <summary>.NET tools with the version installed.</summary>
    public IReadOnlyList<LockedPackage>? Tools { get; init; }

    /// <summary>Files a copy/sync step placed, by image path.</summary>
    public IReadOnlyList<LockedFile>? Files { get; init; }
}

public sealed record LockedPackage(string Name, string Version);

public sealed record LockedFile(string Path, string Sha256);
