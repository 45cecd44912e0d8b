using System.Text.RegularExpressions;
using Kt.TestSupport;

namespace Kt.MSBuild.Tests;

/// <summary>Reproducible frozen images: the digest depends on the commit, not on where it was checked out.</summary>
public sealed partial class PublishEndToEndTests
{
    [RegistryFact]
    public void Two_checkouts_of_one_project_in_different_folders_freeze_to_one_digest()
    {
        // Two machines' worth of state: different checkout folders (different lengths too), each freshly restored into
        // its own NuGet folder and frozen with its own layer cache, so nothing is shared but the commit.
        var digests = new List<string>();
        foreach (var checkout in new[] { "laptop/src/checkout", "ci-runner/_work/1/s/a-much-longer-checkout-folder" })
        {
            var project = fixture.CreateConsoleProject("Repro", $"<KtBaseImage>{Environments.RegistryBaseImage}</KtBaseImage>",
                """
                <KtSetup Include="env" Name="KT_REPRO" Value="1" />
                <KtSetup Include="copy" Source="config/app.json" Destination="/etc/repro/" />
                """, under: checkout);
            Directory.CreateDirectory(Path.Combine(project, "config"));
            File.WriteAllText(Path.Combine(project, "config", "app.json"), "{\"answer\":42}");
            File.WriteAllText(Path.Combine(project, "Where.cs"), "static class Where { public static string File([System.Runtime.CompilerServices.CallerFilePath] string path = \"\") => path; }\n");
            var machine = fixture.Combine(checkout.Split('/')[0]);

            // A plain build first: the freeze must not reuse its (local-path) compile.
            fixture.DotnetWithPackages(Path.Combine(machine, "nuget"), project, "build", "-c", "Release").EnsureSuccess("plain build");
            var freeze = fixture.DotnetWithPackages(Path.Combine(machine, "nuget"), project, "publish", "-c", "Release", "-p:KtFreeze=true",
                "-p:KtFreezeWithRuntime=false", "-p:ContainerRepository=kt-msbuild-test/repro", $"-p:KtCacheDirectory={Path.Combine(machine, "kt-cache")}")
                .EnsureSuccess("freeze in " + checkout);

            var match = LayoutImageLine().Match(freeze.Output);
            Assert.True(match.Success, "no 'kt: image …@sha256:…' line in:\n" + freeze.Output);
            digests.Add(match.Groups["digest"].Value);
            var publishFolder = Path.Combine(project, "bin", "Release", "net10.0", "publish");
            foreach (var file in new[] { "Repro.dll", "Repro.pdb" })
            {
                var bytes = File.ReadAllText(Path.Combine(publishFolder, file), System.Text.Encoding.Latin1);
                Assert.DoesNotContain(machine, bytes, StringComparison.Ordinal);
            }

            // The user's own build keeps the local paths a debugger needs.
            fixture.DotnetWithPackages(Path.Combine(machine, "nuget"), project, "build", "-c", "Release").EnsureSuccess("plain build after the freeze");
            var local = File.ReadAllText(Path.Combine(project, "bin", "Release", "net10.0", "Repro.dll"), System.Text.Encoding.Latin1);
            Assert.Contains(Path.Combine(project, "obj"), local, StringComparison.Ordinal);
        }

        Assert.Single(digests.Distinct());
    }

    [RegistryFact]
    public void Three_unchanged_service_freezes_in_one_folder_give_one_digest_the_manifests_stay_out_and_created_is_the_image_time()
    {
        var project = fixture.CreateConsoleProject("Refreeze",
            $"<KtBaseImage>{Environments.RegistryDotnetReadyBaseImage}</KtBaseImage><KtService>refreeze</KtService>",
            """<KtSetup Include="env" Name="KT_REFREEZE" Value="1" />""");
        var digests = new List<string>();
        for (var run = 0; run < 3; run++)
        {
            var freeze = fixture.Dotnet(project, "publish", "-c", "Release", "-p:KtFreeze=true", "-p:ContainerRepository=kt-msbuild-test/refreeze",
                $"-p:KtCacheDirectory={fixture.CacheDirectory}").EnsureSuccess($"freeze {run + 1}");
            var match = RefreezeImageLine().Match(freeze.Output);
            Assert.True(match.Success, "no 'kt: image …@sha256:…' line in:\n" + freeze.Output);
            digests.Add(match.Groups["digest"].Value);
        }

        var output = Path.Combine(project, "bin", "Release", "net10.0");
        Assert.True(File.Exists(Path.Combine(output, "kt-manifests", "refreeze.yaml")));
        Assert.False(Directory.Exists(Path.Combine(output, "publish", "kt-manifests")));
        Assert.Single(digests.Distinct());

        // The SDK's generated "created" labels carry the image's own creation time, as its config does: the fixed
        // default here, SOURCE_DATE_EPOCH (the commit time, say) when the build sets it.
        Assert.Equal(("1970-01-01T00:00:01Z", "1970-01-01T00:00:01Z", "1970-01-01T00:00:01Z"), CreatedInLayout(project));
        Environment.SetEnvironmentVariable("SOURCE_DATE_EPOCH", "1764547200");
        try
        {
            fixture.Dotnet(project, "publish", "-c", "Release", "-p:KtFreeze=true", "-p:ContainerRepository=kt-msbuild-test/refreeze",
                $"-p:KtCacheDirectory={fixture.CacheDirectory}").EnsureSuccess("freeze with SOURCE_DATE_EPOCH");
        }
        finally
        {
            Environment.SetEnvironmentVariable("SOURCE_DATE_EPOCH", null);
        }

        Assert.Equal(("2025-12-01T00:00:00Z", "2025-12-01T00:00:00Z", "2025-12-01T00:00:00Z"), CreatedInLayout(project));
    }

    /// <summary>The frozen layout's config <c>created</c> and its two generated created labels.</summary>
    private static (string Config, string Image, string Artifact) CreatedInLayout(string project)
    {
        var layout = Path.Combine(project, "obj", "Release", "net10.0", "kt-image");
        var inspected = ProcessRunner.Run("skopeo", ["inspect", "--config", $"oci:{layout}"]).EnsureSuccess("skopeo inspect --config");
        using var config = System.Text.Json.JsonDocument.Parse(inspected.Output);
        var labels = config.RootElement.GetProperty("config").GetProperty("Labels");
        return (config.RootElement.GetProperty("created").GetString()!, labels.GetProperty("org.opencontainers.image.created").GetString()!,
            labels.GetProperty("org.opencontainers.artifact.created").GetString()!);
    }

    [GeneratedRegex(@"kt: image kt-msbuild-test/refreeze@(?<digest>sha256:[0-9a-f]{64})")]
    private static partial Regex RefreezeImageLine();

    [GeneratedRegex(@"kt: image kt-msbuild-test/repro@(?<digest>sha256:[0-9a-f]{64})")]
    private static partial Regex LayoutImageLine();
}
