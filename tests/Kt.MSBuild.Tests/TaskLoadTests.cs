using Kt.TestSupport;

namespace Kt.MSBuild.Tests;

/// <summary>
/// What an ordinary <c>dotnet publish -p:KtDeploy=true</c> on the process backend makes MSBuild load from the packed
/// Kt.MSBuild: the tasks list their load context's assemblies into <c>KT_LOADED_ASSEMBLIES</c>; the Kubernetes and
/// Docker clients (15 of its 17 MB) are not among them, nor, with no OTLP endpoint set, OpenTelemetry's. bench/Kt.Packaging.Bench reports the figures.
/// </summary>
public sealed class TaskLoadTests(PackedTaskFixture fixture) : IClassFixture<PackedTaskFixture>
{
    [Fact]
    public void A_process_deploy_loads_neither_the_kubernetes_nor_the_docker_client()
    {
        var project = fixture.CreateConsoleProject("LoadsApp", "<KtService>loads-app</KtService>", """<KtSetup Include="env" Name="KT_LOADS" Value="1" />""");
        var report = Path.Combine(project, "loaded.txt");
        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = fixture.Combine("nuget-packages"), ["KT_LOADED_ASSEMBLIES"] = report };
        try
        {
            ProcessRunner.Dotnet(project, ["publish", "-c", "Release", "-p:KtDeploy=true"], environment).EnsureSuccess("deploy");

            var loaded = File.ReadAllLines(report).Select(line => line.Split('\t')[0]).ToList();
            Assert.Contains("Kt.MSBuild", loaded);
            Assert.Contains("Kt.DevLoop", loaded);
            Assert.DoesNotContain(loaded, name => name.StartsWith("KubernetesClient", StringComparison.Ordinal)
                || name.StartsWith("Docker.DotNet", StringComparison.Ordinal) || name.StartsWith("YamlDotNet", StringComparison.Ordinal)
                // No OTLP endpoint is set: nothing of the OpenTelemetry SDK (issue 23).
                || name.StartsWith("OpenTelemetry", StringComparison.Ordinal));
        }
        finally
        {
            fixture.Dotnet(project, "build", "-c", "Release", "-t:KtTeardown").EnsureSuccess("teardown");
        }
    }
}
