using System.Globalization;
using Kt.Core;
using Kt.DevLoop;
using Kt.DevLoop.Backends;
using Microsoft.Build.Framework;

namespace Kt.MSBuild;

/// <summary>
/// <c>-p:KtDeploy=true</c>: the live dev loop after Publish. Makes the compute exist, applies the setup steps the pods
/// lack, syncs the publish output, waits until the new version serves, and prints the timings, the endpoint and a
/// ready-to-paste call. All the work is Kt.DevLoop's.
/// </summary>
public sealed class KtDeployService : KtImageTaskBase
{
    /// <summary>The tag of the runtime image the live loop on Kubernetes pushes next to the service's frozen tags.</summary>
    public const string RuntimeImageTag = "kt-runtime";

    [Required] public string DefinitionFile { get; set; } = "";

    [Required] public string PublishDirectory { get; set; } = "";

    /// <summary>The frozen image reference when KtFreeze ran in the same build.</summary>
    public string? FrozenImage { get; set; }

    /// <summary>The address of the first pod (e.g. <c>http://127.0.0.1:40123/</c>).</summary>
    [Output] public string Endpoint { get; private set; } = "";

    /// <summary>The code version the pods serve now.</summary>
    [Output] public string CodeVersion { get; private set; } = "";

    protected override void ExecuteCore() => DeployAsync().GetAwaiter().GetResult();

    private async Task DeployAsync()
    {
        var project = ProjectDefinitionFile.Read(DefinitionFile, MSBuildErrors.DefinitionUnreadable);
        string? runtimeImage = null;
        if (project.Compute.Backend == ComputeBackends.Kubernetes)
        {
            if (!string.IsNullOrEmpty(FrozenImage))
            {
                await FrozenKubernetesDeploy.RunAsync(project, FrozenImage, Progress, CancellationToken).ConfigureAwait(false);
                return;
            }

            runtimeImage = await BuildRuntimeImageAsync(project).ConfigureAwait(false);
        }
        else if (!string.IsNullOrEmpty(FrozenImage))
        {
            Log.LogMessage(MessageImportance.High,
                $"  kt: frozen image {FrozenImage} built; the {project.Compute.Backend} backend deploys live (code sync), so the frozen image is not what runs here.");
        }

        using var backend = ComputeBackends.Create(project.Compute.Backend, project.Compute.Namespace, runtimeImage, project.Compute.Cluster);
        var deployer = new ServiceDeployer(backend, line => Log.LogMessage(MessageImportance.Normal, "    " + line));
        var report = await deployer.DeployAsync(new DeployRequest
        {
            Service = ProjectDeployment.Service(project),
            Image = ProjectDeployment.Image(project, ProjectDirectory),
            ProjectDirectory = ProjectDirectory,
            CodeDirectory = PublishDirectory,
        }, CancellationToken).ConfigureAwait(false);

        Endpoint = report.Pods.Pods[0].Address.ToString();
        CodeVersion = report.Version;
        foreach (var line in DeploySummary.Lines(report, CallExample.Find(Path.Combine(PublishDirectory, project.App?.EntryAssembly ?? ""))))
        {
            Progress(line);
        }

        if (runtimeImage is not null)
        {
            // The port-forwards of this build end with it.
            Progress(FrozenKubernetesDeploy.ReachLine(project.Service, project.Compute.Namespace));
        }
    }

    /// <summary>
    /// The image the live loop's pods start: the project's base with the pod runtime, pushed to ContainerRegistry
    /// (tag <see cref="RuntimeImageTag"/>) so the cluster can pull it. It changes only with the base or Kt itself.
    /// </summary>
    private async Task<string> BuildRuntimeImageAsync(ProjectDefinition project)
    {
        if (string.IsNullOrWhiteSpace(Registry))
        {
            throw new KtException(MSBuildErrors.RegistryRequired,
                "KtCompute=kubernetes runs its pods from a runtime image the cluster must pull: set ContainerRegistry (and ContainerRepository).");
        }

        var definition = FrozenServiceImage.RuntimeImage(project, ProjectDirectory, PodRuntimeFiles.Locate());
        var stamp = RuntimeImageStamp.Compute(definition, ProjectDirectory, Registry, Repository, RuntimeImageTag);
        var stampFile = Path.TrimEndingDirectorySeparator(Path.GetFullPath(LayoutOutputPath)) + ".stamp";
        if (RuntimeImageStamp.Read(stampFile, stamp) is { } known && await StillInRegistryAsync(known).ConfigureAwait(false))
        {
            Progress($"runtime image {known} (unchanged)");
            return known;
        }

        var built = await BuildImageAsync(definition, project.Service, $"runtime image for {project.Service}", RuntimeImageTag).ConfigureAwait(false);
        RuntimeImageStamp.Write(stampFile, stamp, built.Reference);
        return built.Reference;
    }

    /// <summary>A registry that lost the image (reset, garbage-collected) gets it again.</summary>
    private async Task<bool> StillInRegistryAsync(string reference)
    {
        try
        {
            using var registry = new Kt.Oci.RegistryClient();
            await registry.GetManifestAsync(Kt.Oci.ImageReference.Parse(reference), CancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is KtException or HttpRequestException)
        {
            return false;
        }
    }
}

/// <summary><c>dotnet build -t:KtTeardown</c>: removes every pod the dev loop created for the project's service.</summary>
public sealed class KtTeardownService : KtTaskBase
{
    [Required] public string DefinitionFile { get; set; } = "";

    protected override void ExecuteCore()
    {
        var project = ProjectDefinitionFile.Read(DefinitionFile, MSBuildErrors.DefinitionUnreadable);
        using var backend = ComputeBackends.Create(project.Compute.Backend, project.Compute.Namespace);
        var removed = backend.TeardownAsync(project.Service, CancellationToken).GetAwaiter().GetResult();
        Progress(removed
            ? $"{project.Service}: removed from {backend.Name}"
            : $"{project.Service}: nothing to remove on {backend.Name}");
    }
}

/// <summary>The compact lines a deploy prints: phases with timings, the endpoint, a call to paste.</summary>
internal static class DeploySummary
{
    public static IEnumerable<string> Lines(DeployReport report, CallExample? example)
    {
        var t = report.Timings;
        var pods = report.Pods;
        string Ms(double value) => value.ToString("0", CultureInfo.InvariantCulture) + " ms";
        var created = pods.Created > 0 ? $", {pods.Created} started" : "";
        var recreated = report.Recreated > 0 ? $", {report.Recreated} recreated" : "";
        yield return $"{pods.Service} → {pods.Backend}: {pods.Pods.Count} pod{(pods.Pods.Count == 1 ? "" : "s")}{created}{recreated}";
        yield return $"compile {Ms(t.Compile)} · pods {Ms(t.Pods)} · setup {report.StepsRun} step{(report.StepsRun == 1 ? "" : "s")} {Ms(t.Setup)} · "
            + $"sync {report.UploadedBlobs}/{report.Files} files {Bytes(report.UploadedBytes)} {Ms(t.Sync)} · ready {Ms(t.Ready)} · total {Ms(t.Total)}";
        yield return $"{report.Version} serving at {pods.Pods[0].Address}";
        if (example is not null)
        {
            var token = pods.TokenFile is null ? "<token>" : $"$(cat {pods.TokenFile})";
            yield return $"call: curl -s -H \"Authorization: Bearer {token}\" -d '{example.Body}' {pods.Pods[0].Address}{example.Path}";
        }
    }

    private static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        _ => (bytes / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
    };
}
