using System.Globalization;
using System.Text.Json.Nodes;
using Kt.DevLoop.Backends;
using Kt.ImageCompiler;
using Kt.TestSupport;
using static Kt.DevLoop.Tests.ProcessBackendTests;

namespace Kt.DevLoop.Tests;

/// <summary>
/// Issue 22, item 5: a torn or stale <c>service.json</c> no longer orphans runtimes. Before, a redeploy after one torn
/// state file and one rewritten pid left three runtimes serving one pod root, and teardown stopped one of them and
/// deleted the folder under the other two.
/// </summary>
[Collection(DevLoopCollection.Name)]
public sealed class ProcessStateFaultTests(DevLoopFixture fixture)
{
    [Fact]
    public async Task A_torn_or_rewritten_state_file_leaves_one_runtime_per_pod_and_teardown_stops_every_one()
    {
        using var temp = new TempFolder();
        var code = fixture.CreateCodeFolder(temp, "owned");
        var service = Unique("owned");
        var folder = ProcessBackend.ServiceFolder(service);
        var statePath = Path.Combine(folder, "service.json");
        using var backend = new ProcessBackend();
        var deployer = new ServiceDeployer(backend);
        var image = Image.From("debian:bookworm");
        try
        {
            await deployer.DeployAsync(Request(service, image, temp.Path, code));
            Assert.Single(RuntimesOf(folder));

            File.WriteAllText(statePath, "{\"service\":"); // torn
            var afterTorn = await deployer.DeployAsync(Request(service, image, temp.Path, code));
            Assert.Single(RuntimesOf(folder));
            Assert.Equal("owned|", await CallAsync(afterTorn.Pods, "Describe"));

            var state = JsonNode.Parse(File.ReadAllText(statePath))!;
            state["pods"]![0]!["pid"] = int.MaxValue - 7; // a pid no process has
            File.WriteAllText(statePath, state.ToJsonString());
            var afterRewrite = await deployer.DeployAsync(Request(service, image, temp.Path, code));
            Assert.Single(RuntimesOf(folder));
            Assert.Equal("owned|", await CallAsync(afterRewrite.Pods, "Describe"));

            File.WriteAllText(statePath, "not json at all");
            Assert.True(await backend.TeardownAsync(service));
            Assert.Empty(RuntimesOf(folder));
            Assert.False(Directory.Exists(folder));
        }
        finally
        {
            await backend.TeardownAsync(service);
            foreach (var pid in RuntimesOf(folder))
            {
                // Only this test's own runtimes (their --root lies in this test's service folder).
                using var orphan = System.Diagnostics.Process.GetProcessById(pid);
                orphan.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>The pod runtimes whose command line roots them in <paramref name="folder"/>, found in /proc, not in any Kt file.</summary>
    private static List<int> RuntimesOf(string folder)
    {
        var marker = folder.TrimEnd('/') + "/";
        var found = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var arguments = File.ReadAllText(Path.Combine(entry, "cmdline")).Split('\0');
                var root = Array.IndexOf(arguments, "--root");
                if (arguments.Any(a => a.EndsWith("Kt.PodRuntime.dll", StringComparison.Ordinal)) && root >= 0 && root + 1 < arguments.Length
                    && arguments[root + 1].StartsWith(marker, StringComparison.Ordinal) && !IsZombie(entry))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone meanwhile
            }
        }

        return found;
    }

    private static bool IsZombie(string proc)
    {
        var stat = File.ReadAllText(Path.Combine(proc, "stat"));
        return stat[(stat.LastIndexOf(')') + 2)..].TrimStart()[0] is 'Z' or 'X';
    }
}
