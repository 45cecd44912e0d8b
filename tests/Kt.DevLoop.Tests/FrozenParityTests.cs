using System.Text.Json.Nodes;
using Kt.Core;
using Kt.PodRuntime.Client;
using Kt.PodRuntime.Protocol;
using Kt.TestSupport;
using Kt.Workflows;

namespace Kt.DevLoop.Tests;

/// <summary>
/// The parity probe frozen as a Kt service (<c>kt freeze</c>'s workflow: base from the registry, an env step that
/// extends PATH, <c>ContainerUser</c> 1000, the pod runtime and its .NET baked in) and run with nothing mounted — by
/// the Docker engine and by <c>umoci unpack</c> + <c>runc</c>, an independent OCI runtime — answers as
/// <c>dotnet ParityProbe.dll</c> does in a plain container of the base image as that user.
/// </summary>
[Collection(DevLoopCollection.Name)]
public sealed class FrozenParityTests
{
    private const string User = "1000";
    private const string Token = "frozen-parity-token-0123456789";

    [RegistryFact]
    public async Task The_frozen_probe_answers_as_dotnet_App_dll_under_docker_run_and_under_umoci_and_runc()
    {
        using var temp = new TempFolder();
        var probe = ParityProbeApp.InvariantPublishFolder;
        var layout = await FreezeAsync(temp, probe);
        var expected = ParityTests.DirectInContainer(Environments.DotnetReadyBaseImage, probe, User);
        Assert.Equal("/opt/probe/bin", expected["env.path.first"]);
        Assert.Equal(User, expected["user.id"]);

        Assert.Equal(expected, await UnderDockerAsync(layout));
        Assert.Equal(expected, await UnderRuncAsync(temp, layout));
    }

    /// <summary>The probe's publish folder frozen with the runtime; returns the OCI layout (tag <c>latest</c>).</summary>
    private static async Task<string> FreezeAsync(TempFolder temp, string probe)
    {
        var project = new ProjectDefinition
        {
            Service = "parity-frozen",
            BaseImage = Environments.RegistryDotnetReadyBaseImage,
            Steps =
            [
                new StepDeclaration("env", new Dictionary<string, string> { ["Name"] = "PATH", ["Value"] = "/opt/probe/bin:$PATH" }),
                new StepDeclaration("env", new Dictionary<string, string> { ["Name"] = "PROBE_GREETING", ["Value"] = "hi" }),
                // What <ContainerUser>1000</ContainerUser> declares (Kt.MSBuild maps it to this step).
                new StepDeclaration("user", new Dictionary<string, string> { ["Name"] = User }, Origin: "ContainerUser"),
            ],
            App = new AppDeclaration("ParityProbe.dll"),
        };
        var layout = temp.Combine("layout");
        await FreezeWorkflow.FreezeAsync(project, probe, withRuntime: true, new ImageOutputSettings
        {
            ProjectDirectory = temp.Path,
            Repository = "kt-parity-frozen",
            LayoutOutputPath = layout,
            CacheDirectory = temp.Combine("cache"),
        }, WorkflowOutput.Silent, CancellationToken.None);
        return layout;
    }

    private static async Task<IReadOnlyDictionary<string, string>> UnderDockerAsync(string layout)
    {
        var image = $"kt-parity-frozen-{Guid.NewGuid():N}:latest";
        var container = "kt-parity-frozen-" + Guid.NewGuid().ToString("N")[..12];
        ProcessRunner.Run("skopeo", ["copy", "-q", $"oci:{layout}:latest", $"docker-daemon:{image}"]).EnsureSuccess("skopeo copy into the engine");
        try
        {
            ProcessRunner.Run("docker", ["run", "-d", "--name", container, "-p", $"127.0.0.1::{PodRuntimeLayout.Port}", "-e", "KT_TOKEN=" + Token, image])
                .EnsureSuccess("docker run the frozen image");
            var port = ProcessRunner.Run("docker", ["port", container, $"{PodRuntimeLayout.Port}/tcp"]).EnsureSuccess("docker port").Output.Trim().Split('\n')[0].Split(':')[^1];
            return await FingerprintAsync(int.Parse(port, System.Globalization.CultureInfo.InvariantCulture), () => ProcessRunner.Run("docker", ["logs", container]).Output);
        }
        finally
        {
            ProcessRunner.Run("docker", ["rm", "-f", container]);
            ProcessRunner.Run("docker", ["rmi", image]);
        }
    }

    /// <summary>
    /// The same layout unpacked by umoci and run by runc with the config umoci derived from the image (user, env,
    /// working directory, entry point). Changes, all about reaching it: the host's network namespace (runc sets up no
    /// network), a port the kernel picks, written to a file the test reads through the rootfs, and the token.
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, string>> UnderRuncAsync(TempFolder temp, string layout)
    {
        var bundle = temp.Combine("bundle");
        ProcessRunner.Run("umoci", ["unpack", "--image", $"{layout}:latest", bundle]).EnsureSuccess("umoci unpack");
        // umoci creates the rootfs folder itself, 0700 (no layer has an entry for "/"); a container's / is 0755 under
        // docker, and a non-root user cannot even reach /kt/dotnet below a 0700 root.
        File.SetUnixFileMode(Path.Combine(bundle, "rootfs"), (UnixFileMode)0b111_101_101);
        var configFile = Path.Combine(bundle, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configFile))!;
        var process = config["process"]!;
        Assert.Equal(User, process["user"]!["uid"]!.ToString()); // umoci took ContainerUser from the image config
        process["terminal"] = false;
        var args = process["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        var portAt = args.IndexOf("--port");
        Assert.True(portAt >= 0, "the frozen entry point names its port: " + string.Join(' ', args));
        args[portAt + 1] = "0";
        args.AddRange(["--port-file", "/tmp/kt-port"]);
        process["args"] = new JsonArray(args.Select(a => (JsonNode)a).ToArray());
        process["env"]!.AsArray().Add("KT_TOKEN=" + Token);
        var namespaces = config["linux"]!["namespaces"]!.AsArray();
        foreach (var network in namespaces.Where(n => n!["type"]!.GetValue<string>() == "network").ToList())
        {
            namespaces.Remove(network);
        }

        File.WriteAllText(configFile, config.ToJsonString());
        var id = "kt-parity-" + Guid.NewGuid().ToString("N")[..12];
        var log = temp.Combine("runc.log");
        // runc run in the foreground keeps the container's stdio; a shell sends both to a file the test can show.
        using var runc = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/bin/sh", ["-c", $"exec runc run --bundle '{bundle}' {id} >'{log}' 2>&1"])
        {
            UseShellExecute = false,
        })!;
        try
        {
            var portFile = Path.Combine(bundle, "rootfs", "tmp", "kt-port");
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!File.Exists(portFile) || new FileInfo(portFile).Length == 0)
            {
                if (runc.HasExited || DateTime.UtcNow > deadline)
                {
                    Assert.Fail($"the runtime wrote no port file under runc (runc {(runc.HasExited ? $"exited with {runc.ExitCode}" : "still runs")}): {ReadLog(log)}");
                }

                await Task.Delay(50); // polls the port file the runtime writes once it listens
            }

            var port = int.Parse(File.ReadAllText(portFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            return await FingerprintAsync(port, () => ReadLog(log));
        }
        finally
        {
            ProcessRunner.Run("runc", ["kill", id, "KILL"]);
            await runc.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            ProcessRunner.Run("runc", ["delete", "--force", id]);
        }
    }

    private static string ReadLog(string log) => File.Exists(log) ? File.ReadAllText(log) : "(no output)";

    private static async Task<IReadOnlyDictionary<string, string>> FingerprintAsync(int port, Func<string> logs)
    {
        using var client = new PodClient(new Uri($"http://127.0.0.1:{port}/"), Token);
        try
        {
            await client.WaitReadyAsync(null, TimeSpan.FromSeconds(60));
            return ParityProbeApp.Parse((await client.CallAsync<string>(ParityProbeApp.EntryType, ParityProbeApp.EntryMethod))!);
        }
        catch (Exception e) when (e is KtException or HttpRequestException)
        {
            throw new InvalidOperationException("the frozen pod did not answer: " + logs(), e);
        }
    }
}
