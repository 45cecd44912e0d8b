namespace Kt.PodRuntime.Tests;

/// <summary>
/// RayCluster pods: the runtime runs KubeRay's generated start line (KUBERAY_GEN_RAY_START_CMD) beside the server,
/// ends it on SIGTERM, and ends itself when the node dies. A shell script plays <c>ray start --block</c> here.
/// </summary>
public sealed class RayNodeTests : IDisposable
{
    private readonly TempRoot _temp = new();

    [Fact]
    public async Task The_generated_start_line_runs_with_the_user_environment_and_ends_with_the_pod()
    {
        var marker = Path.Combine(_temp.Path, "ray-node");
        var pidFile = Path.Combine(_temp.Path, "ray-pid");
        var start = $"echo \"$RANK $(ulimit -n)\" > {marker}; echo $$ > {pidFile}; sleep 300";
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(_temp.Path, "root"),
            new Dictionary<string, string> { ["KUBERAY_GEN_RAY_START_CMD"] = start }, extra: ["--rank", "2"]);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!File.Exists(pidFile) || new FileInfo(pidFile).Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the Ray start line did not run: " + runtime.Output);
            await Task.Delay(50);
        }

        Assert.StartsWith("2 ", await File.ReadAllTextAsync(marker), StringComparison.Ordinal); // RANK of the user environment
        var nodePid = int.Parse((await File.ReadAllTextAsync(pidFile)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(await runtime.Client.IsHealthyAsync());

        Assert.Equal(0, await runtime.TerminateAsync(TimeSpan.FromSeconds(20)));
        Assert.False(Directory.Exists($"/proc/{nodePid}"), "SIGTERM must end the Ray node with the pod");
    }

    [Fact]
    public async Task A_Ray_node_that_dies_stops_the_runtime_with_a_failure_code_so_the_container_restarts()
    {
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(_temp.Path, "root"),
            new Dictionary<string, string> { ["KUBERAY_GEN_RAY_START_CMD"] = "sleep 2; exit 3" });

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!runtime.HasExited)
        {
            Assert.True(DateTime.UtcNow < deadline, "the runtime outlived its Ray node: " + runtime.Output);
            await Task.Delay(100);
        }

        Assert.Equal(3, await runtime.TerminateAsync(TimeSpan.FromSeconds(5)));
        Assert.Contains("The Ray node ended with exit code 3", runtime.Output, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();
}
