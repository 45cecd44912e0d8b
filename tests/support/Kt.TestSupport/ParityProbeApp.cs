using System.Text.Json;

namespace Kt.TestSupport;

/// <summary>
/// The parity probe (<c>tests/support/ParityProbe</c>): copied out of the repository (so no Kt build props apply, as
/// for a user's project), published once per test process with a plain <c>dotnet publish</c> (no <c>-r</c>), and its
/// fingerprint read as <c>dotnet ParityProbe.dll</c> prints it, run from its own folder.
/// </summary>
public static class ParityProbeApp
{
    public const string EntryType = "ParityProbe.Probe";
    public const string EntryMethod = "Fingerprint";
    private static readonly Lazy<string> Published = new(() => Publish(invariant: false), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<string> PublishedInvariant = new(() => Publish(invariant: true), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The publish folder (shared by the tests of one process: copy it before changing anything in it).</summary>
    public static string PublishFolder => Published.Value;

    /// <summary>
    /// The probe published for a base image without ICU (the test images): <c>InvariantGlobalization=true</c> — as
    /// <c>dotnet App.dll</c> there needs — with <c>PredefinedCulturesOnly=false</c> so the satellite lookup still runs.
    /// </summary>
    public static string InvariantPublishFolder => PublishedInvariant.Value;

    /// <summary>A private copy of the publish folder (or of <paramref name="source"/>) whose content file says <paramref name="content"/>.</summary>
    public static string CopyWithContent(string destination, string content, string? source = null)
    {
        CopyTree(source ?? PublishFolder, destination);
        File.WriteAllText(Path.Combine(destination, "data", "probe.txt"), content);
        return destination;
    }

    /// <summary>The fingerprint of <c>dotnet ParityProbe.dll</c> run in <paramref name="folder"/>, as the host runs it.</summary>
    public static IReadOnlyDictionary<string, string> RunDirect(string folder, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder };
        start.ArgumentList.Add(Path.Combine(folder, "ParityProbe.dll"));
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? Parse(output) : throw new InvalidOperationException($"the probe failed ({process.ExitCode}): {output}{error}");
    }

    public static IReadOnlyDictionary<string, string> Parse(string json) =>
        JsonSerializer.Deserialize<SortedDictionary<string, string>>(json.Trim()) ?? throw new InvalidOperationException("no fingerprint: " + json);

    private static string Publish(bool invariant)
    {
        var work = Path.Combine(Path.GetTempPath(), $"kt-probe-{Guid.NewGuid():N}");
        // Shared by the tests of this process, so it goes when the process does.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteQuietly(work);
        CopyTree(Path.Combine(Environments.RepositoryRoot, "tests", "support", "ParityProbe"), Path.Combine(work, "src"));
        var output = Path.Combine(work, "publish");
        ProcessRunner.Run("dotnet", ["publish", Path.Combine(work, "src", "ParityProbe.csproj"), "-c", "Release", "-o", output, "--nologo",
            $"-p:InvariantGlobalization={(invariant ? "true" : "false")}", $"-p:PredefinedCulturesOnly={(invariant ? "false" : "true")}"], work, TimeSpan.FromMinutes(5))
            .EnsureSuccess("dotnet publish of the parity probe");
        return output;
    }

    private static void DeleteQuietly(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void CopyTree(string source, string destination)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.Split(Path.DirectorySeparatorChar)[0] is "bin" or "obj")
            {
                continue;
            }

            var target = Path.Combine(destination, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }
}
