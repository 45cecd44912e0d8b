using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Kt.Core;
using Kt.DevLoop;
using Kt.DevLoop.Backends;
using Kt.ImageCompiler;
using Kt.PodRuntime.Client;
using Kt.TestSupport;

namespace Kt.Cli.Tests;

/// <summary>
/// <c>kt status</c>/<c>list</c>, <c>describe</c>, <c>logs</c> and <c>forward</c> against real process pods, deployed the
/// way a publish deploys them, and read back through kt's own entry: exit codes and what it prints.
/// </summary>
[Collection(CliCollection.Name)]
public sealed partial class ServiceVerbTests
{
    [Fact]
    public async Task The_verbs_list_describe_stream_and_forward_a_process_service_and_fail_with_a_code_for_what_is_not_there()
    {
        using var temp = new TempFolder("kt-cli-process");
        var service = Unique("verbs");
        using var backend = new ProcessBackend();
        var report = await new ServiceDeployer(backend).DeployAsync(Request(service, Image.From("debian:bookworm").Env("GREETING", "hi").Run("echo prepared > prepared.txt"), temp));
        try
        {
            Assert.Equal("first", await CallAsync(report.Pods.Pods[0], "first"));

            var status = await KtRun.RunAsync("status");
            Assert.True(status.Exit == 0, status.Error);
            var row = Row(status.Output, service);
            Assert.Equal(["1/1", report.Version, "2"], row[1..4]);
            Assert.Matches(@"^\d+s$", row[4]);
            var podRow = Row(status.Output, $"{service}-0");
            Assert.Equal(["running", report.Version, "2"], podRow[1..4]);
            Assert.Contains("setup ok", status.Output, StringComparison.Ordinal);

            // list is status; a service argument and --backend narrow it.
            var list = await KtRun.RunAsync("list", service, "--backend", "process");
            Assert.Equal(0, list.Exit);
            var listLines = list.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("process", listLines[0]);
            Assert.Equal([service], listLines.Where(l => l.StartsWith("  ", StringComparison.Ordinal) && l[2] != ' ' && !l.Contains("SERVICE", StringComparison.Ordinal)).Select(l => l.Trim().Split(' ')[0]));

            var describe = await KtRun.RunAsync("describe", service);
            Assert.True(describe.Exit == 0, describe.Error);
            Assert.Contains($"version  {report.Version}", describe.Output, StringComparison.Ordinal);
            Assert.Matches(@"2\.\s+run\s+.*echo prepared > prepared\.txt\s+key [0-9a-f]{12}", describe.Output);
            Assert.Matches($@"{service}-0: process \d+ serves on 127\.0\.0\.1:\d+", describe.Output);

            var logs = await KtRun.RunAsync("logs", service);
            Assert.True(logs.Exit == 0, logs.Error);
            Assert.Contains($"[{service}-0] saying first", logs.Output, StringComparison.Ordinal);

            // -f: the lines of a call made after kt started arrive while it runs; Ctrl+C ends it with 130.
            using (var stop = new CancellationTokenSource())
            {
                var follow = KtRun.Start(stop.Token, "logs", service, "-f", "--pod", $"{service}-0");
                await follow.LineAsync(l => l.EndsWith("saying first", StringComparison.Ordinal));
                Assert.Equal("later", await CallAsync(report.Pods.Pods[0], "later"));
                await follow.LineAsync(l => l == $"[{service}-0] saying later");
                await stop.CancelAsync();
                Assert.Equal(130, await follow.Exit);
            }

            // forward: a local port that reaches the pod until Ctrl+C, the token printed once when asked for.
            using (var stop = new CancellationTokenSource())
            {
                var forward = KtRun.Start(stop.Token, "forward", service, "--token");
                var line = await forward.LineAsync(l => l.StartsWith("kt: forwarding ", StringComparison.Ordinal));
                var local = new Uri(ForwardedAddress().Match(line).Groups[1].Value);
                var tokenLine = await forward.LineAsync(l => l.StartsWith("kt: token ", StringComparison.Ordinal));
                Assert.Equal(report.Pods.Pods[0].Token, tokenLine["kt: token ".Length..]);
                Assert.NotEqual(report.Pods.Pods[0].Address.Port, local.Port);
                for (var call = 0; call < 3; call++)
                {
                    Assert.Equal($"through {call}", await CallAsync(report.Pods.Pods[0] with { Address = local }, $"through {call}"));
                }

                // A browser sends no token: the forward adds it.
                using var browser = new HttpClient();
                using var health = await browser.GetAsync(new Uri(local, "health"));
                Assert.True(health.IsSuccessStatusCode, $"the forward answered {(int)health.StatusCode} to a request without a token");

                await stop.CancelAsync();
                Assert.Equal(130, await forward.Exit);
                Assert.Single(Regex.Matches(forward.Output, "^kt: token ", RegexOptions.Multiline));
            }

            // A pod that runs an app (Remote.App): the forward serves the app at its root, as a browser opens it. The
            // app is a web server that needs nothing installed: a second pod runtime, whose /health names its pod.
            using (var stop = new CancellationTokenSource())
            {
                using (var pod = new PodClient(report.Pods.Pods[0].Address, report.Pods.Pods[0].Token))
                {
                    var runtime = PodRuntimeFiles.Locate();
                    var tokenFile = Path.Combine(temp.Path, "app-token");
                    File.WriteAllText(tokenFile, "app-token-0123456789");
                    await pod.SetAppAsync($"exec \"{runtime.DotnetHost}\" \"{runtime.RuntimeAssembly}\" --bind 127.0.0.1 --port \"$PORT\" --root \"{Path.Combine(temp.Path, "app-root")}\" "
                        + $"--token-file \"{tokenFile}\" --service web --pod-name the-app", LoopbackPort.Free());
                }

                var forward = KtRun.Start(stop.Token, "forward", service);
                var line = await forward.LineAsync(l => l.StartsWith("kt: forwarding ", StringComparison.Ordinal));
                var local = new Uri(ForwardedAddress().Match(line).Groups[1].Value);
                await forward.LineAsync(l => l.StartsWith("kt: the app is at ", StringComparison.Ordinal));
                using var browser = new HttpClient();
                using var page = await browser.GetAsync(new Uri(local, "/health"));
                var text = await page.Content.ReadAsStringAsync();
                Assert.True(page.IsSuccessStatusCode, $"the forward answered {(int)page.StatusCode}: {text}");
                Assert.Contains("\"pod\":\"the-app\"", text, StringComparison.Ordinal);
                await stop.CancelAsync();
                Assert.Equal(130, await forward.Exit);
            }

            var missing = await KtRun.RunAsync("describe", service + "-nope", "--backend", "process");
            Assert.Equal(1, missing.Exit);
            Assert.Matches(@"^kt: error KT8008: no service '.*-nope' on process; kt status lists what exists\s*$", missing.Error);

            var noPod = await KtRun.RunAsync("logs", service, "--pod", "nope", "--backend", "process");
            Assert.Equal(1, noPod.Exit);
            Assert.Contains("kt: error KT8010: ", noPod.Error, StringComparison.Ordinal);

            // A pod whose process died shows as exited; logs and forward say no pod answers.
            var pid = Process.GetProcessById(StatePid(service));
            pid.Kill(entireProcessTree: true);
            await pid.WaitForExitAsync();
            var after = await KtRun.RunAsync("status", service, "--backend", "process");
            Assert.Equal(0, after.Exit);
            Assert.Equal(["0/1", "-", "-"], Row(after.Output, service)[1..4]);
            Assert.Equal("exited", Row(after.Output, $"{service}-0")[1]);
            var dead = await KtRun.RunAsync("forward", service);
            Assert.Equal(1, dead.Exit);
            Assert.Contains($"kt: error KT8010: no pod of '{service}' on process answers ({service}-0: exited)", dead.Error, StringComparison.Ordinal);
        }
        finally
        {
            await backend.TeardownAsync(service);
        }

        var gone = await KtRun.RunAsync("status", service, "--backend", "process");
        Assert.Equal((0, "process: no services"), (gone.Exit, gone.Output.Trim()));
    }

    [Theory]
    [InlineData("status")]
    [InlineData("list")]
    [InlineData("describe")]
    [InlineData("logs")]
    [InlineData("forward")]
    [InlineData("watch")]
    [InlineData("deploy")]
    [InlineData("teardown")]
    [InlineData("freeze")]
    [InlineData("call")]
    public async Task Every_verb_has_help(string verb)
    {
        var help = await KtRun.RunAsync(verb, "--help");
        Assert.Equal(0, help.Exit);
        Assert.Contains("Usage:", help.Output, StringComparison.Ordinal);
        Assert.Contains(verb == "list" ? "status" : verb, help.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_backend_is_refused_before_anything_runs()
    {
        var run = await KtRun.RunAsync("status", "--backend", "cloud");
        Assert.NotEqual(0, run.Exit);
        Assert.Contains("cloud", run.Error, StringComparison.Ordinal);
    }

    internal static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    internal static DeployRequest Request(string service, Image image, TempFolder temp) => new()
    {
        Service = new ServiceSpec { Service = service },
        Image = image.Definition,
        ProjectDirectory = temp.Path,
        CodeDirectory = CliFixture.CreateCodeFolder(temp),
    };

    internal static async Task<string?> CallAsync(PodEndpoint pod, string text)
    {
        using var client = new PodClient(pod.Address, pod.Token);
        return await client.CallAsync<string>(typeof(CliSampleFunctions).FullName!, nameof(CliSampleFunctions.Say), [text]);
    }

    /// <summary>The cells of the first line whose first cell is <paramref name="name"/> (columns are two spaces apart or more).</summary>
    internal static string[] Row(string output, string name) =>
        output.Split('\n').Select(l => l.Trim().Split("  ", StringSplitOptions.RemoveEmptyEntries).Select(c => c.Trim()).ToArray())
            .FirstOrDefault(cells => cells.Length > 0 && cells[0] == name)
        ?? throw new Xunit.Sdk.XunitException($"no row {name} in:\n{output}");


    private static int StatePid(string service)
    {
        var state = File.ReadAllText(Path.Combine(ProcessBackend.ServiceFolder(service), "service.json"));
        return int.Parse(Regex.Match(state, "\"pid\":\\s*(\\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"forwarding (http://127\.0\.0\.1:\d+/) ")]
    private static partial Regex ForwardedAddress();
}
