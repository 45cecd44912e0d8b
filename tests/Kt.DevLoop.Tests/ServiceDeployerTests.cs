using Kt.Core;
using Kt.DevLoop.Tests.InMemory;
using Kt.ImageCompiler;
using Kt.PodRuntime.Client;
using Kt.PodRuntime.Protocol;
using Kt.TestSupport;

namespace Kt.DevLoop.Tests;

/// <summary>
/// The deployer's decisions, against in-memory pods that speak the pod protocol (<see cref="InMemoryPod"/>): which
/// requests a deploy costs, which blobs travel, when a plan is sent, and what a pod's refusal becomes. The same flows
/// against real runtimes are in ProcessBackendTests, SetupFaultTests and the Docker/Kubernetes backend tests.
/// </summary>
public sealed class ServiceDeployerTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly InMemoryBackend _backend = new();
    private readonly string _service = ProcessBackendTests.Unique("mem");

    [Fact]
    public async Task A_no_change_deploy_costs_two_requests_per_pod()
    {
        var request = Request(Image.From("debian:bookworm").Run("echo one"), replicas: 2);
        await Deployer().DeployAsync(request);
        foreach (var pod in _backend.PodsOf(_service))
        {
            pod.ClearRequests();
        }

        var again = await Deployer().DeployAsync(request);

        Assert.Equal(0, again.StepsRun);
        Assert.Equal(0, again.UploadedBlobs);
        Assert.All(_backend.PodsOf(_service), pod => Assert.Equal(["GET /journal", "POST /sync/deploy"], pod.Requests));
    }

    [Fact]
    public async Task Only_the_blobs_a_pod_lacks_are_uploaded()
    {
        var request = Request(Image.From("debian:bookworm").Run("echo one"));
        var first = await Deployer().DeployAsync(request);
        var pod = _backend.PodsOf(_service)[0];
        Assert.Equal(3, first.UploadedBlobsPerPod); // four files, two of them the same bytes
        Assert.Equal(3, pod.Blobs.Count);

        File.WriteAllText(Path.Combine(request.CodeDirectory, "b.txt"), "bee, edited");
        pod.ClearRequests();
        var second = await Deployer().DeployAsync(request);

        Assert.Equal(1, second.UploadedBlobs);
        Assert.Equal(["GET /journal", "POST /sync/deploy", $"PUT /sync/blobs/{Sha256("bee, edited")}", "POST /sync/deploy"], pod.Requests);
        Assert.Equal(second.Version, pod.Active?.Version);
        Assert.NotEqual(first.Version, second.Version);
    }

    [Fact]
    public async Task A_failed_setup_is_cleared_by_a_new_plan_even_an_empty_one()
    {
        var image = Image.From("debian:bookworm").Env("GREETING", "hi");
        var pods = await _backend.EnsureAsync(new ServiceSpec { Service = _service });
        var pod = _backend.PodsOf(_service)[0];
        pod.FailingShell = "exit 3";

        var failed = await Assert.ThrowsAsync<KtException>(() => Deployer().DeployAsync(Request(image.Run("exit 3"))));
        Assert.Equal("KT4011", failed.Code);
        Assert.Contains(pods.Pods[0].Name, failed.Message, StringComparison.Ordinal);
        Assert.Equal(SetupStates.Failed, pod.Setup);

        // Without the failing step the plan has no step to run (the env step is journaled already), yet it is sent.
        pod.ClearRequests();
        var healed = await Deployer().DeployAsync(Request(image));

        Assert.Contains("POST /setup/plan", pod.Requests);
        Assert.Equal(SetupStates.Ok, pod.Setup);
        Assert.Equal(0, healed.StepsRun);
        Assert.Equal(healed.Version, pod.Active?.Version);
    }

    [Theory]
    [InlineData("POST /sync/deploy", "KT4020", 400)]
    [InlineData("POST /setup/plan", "KT4012", 400)]
    [InlineData("GET /journal", "KT4050", 409)]
    public async Task A_pods_refusal_leaves_the_deployer_as_a_KtException_with_its_code(string route, string code, int status)
    {
        await _backend.EnsureAsync(new ServiceSpec { Service = _service });
        var pod = _backend.PodsOf(_service)[0];
        pod.Refuse = r => r == route ? (code, status, "Refused by the test") : null;

        var refused = await Assert.ThrowsAsync<KtException>(() => Deployer().DeployAsync(Request(Image.From("debian:bookworm").Run("echo one"))));

        Assert.Equal(code, refused.Code);
        Assert.Contains(pod.Name, refused.Message, StringComparison.Ordinal);
        Assert.EndsWith($"({code})", refused.Message, StringComparison.Ordinal);
        Assert.Null(pod.Active);
    }

    [Fact]
    public async Task A_one_file_change_in_a_10000_file_app_sends_that_file_and_the_change_only()
    {
        var code = _temp.Combine("big");
        for (var i = 0; i < 10_000; i++)
        {
            var path = Path.Combine(code, $"d{i / 100:000}", $"f{i:00000}.txt");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, $"file {i:00000}");
        }

        // The session's builder; its clock a minute ahead: every stamp is older than its racy window, as files are between saves.
        var manifests = new ManifestBuilder(new AheadClock(TimeSpan.FromMinutes(1)));
        var memory = new DeployMemory(manifests);
        var request = Request(Image.From("debian:bookworm").Run("echo one")) with { CodeDirectory = code };
        var first = await Deployer(memory).DeployAsync(request);
        Assert.Equal((10_000, 10_000), (first.Files, first.UploadedBlobsPerPod));
        var pod = _backend.PodsOf(_service)[0];
        pod.ClearRequests();

        File.WriteAllText(Path.Combine(code, "d042", "f04242.txt"), "edited 4242");
        var second = await Deployer(memory).DeployAsync(request);

        Assert.Equal(1, manifests.LastHashed); // the other 9,999 files are proven unchanged by their stamps
        Assert.Equal((1, 11L), (second.UploadedBlobs, second.UploadedBytes));
        // Nothing to set up: no journal read, no pods phase; the sync is fenced by the journal's digest instead.
        Assert.Equal(["POST /sync/deploy/changes", $"PUT /sync/blobs/{Sha256("edited 4242")}", "POST /sync/deploy/changes"], pod.Requests);
        // The sync's requests carry the change, not the 10,000 entries (the whole manifest is ~1 MB of JSON).
        Assert.All(pod.RequestBytes, bytes => Assert.True(bytes < 1024, $"a request of {bytes} bytes"));
        Assert.Equal(second.Version, pod.Active?.Version);
        Assert.Equal((await new ManifestBuilder().BuildAsync(code)).Files, pod.Active!.Manifest.Files);
    }

    [Fact]
    public async Task A_pod_serving_another_base_gets_the_whole_manifest()
    {
        var memory = new DeployMemory();
        var request = Request(Image.From("debian:bookworm").Run("echo one"));
        await Deployer(memory).DeployAsync(request);
        var pod = _backend.PodsOf(_service)[0];

        // Someone else deploys other code to the pod meanwhile (another machine, a publish beside the watch).
        var other = _temp.Combine("other");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "x.txt"), "x");
        await Deployer().DeployAsync(request with { CodeDirectory = other });
        File.WriteAllText(Path.Combine(request.CodeDirectory, "b.txt"), "bee, again");
        pod.ClearRequests();

        var third = await Deployer(memory).DeployAsync(request);

        Assert.Equal(["POST /sync/deploy/changes", "POST /sync/deploy"], pod.Requests.Take(2));
        Assert.Equal(third.Version, pod.Active?.Version);
        Assert.Equal((await new ManifestBuilder().BuildAsync(request.CodeDirectory)).Files, pod.Active!.Manifest.Files);
    }

    [Fact]
    public async Task A_session_deploy_with_nothing_to_set_up_is_one_request_per_pod()
    {
        var memory = new DeployMemory();
        var request = Request(Image.From("debian:bookworm").Run("echo one"), replicas: 2);
        await Deployer(memory).DeployAsync(request);
        var ensured = _backend.Ensured;
        foreach (var pod in _backend.PodsOf(_service))
        {
            pod.ClearRequests();
        }

        var again = await Deployer(memory).DeployAsync(request);

        Assert.Equal(ensured, _backend.Ensured); // no pods phase
        Assert.Equal((0, 0), (again.StepsRun, again.UploadedBlobs));
        Assert.All(_backend.PodsOf(_service), pod => Assert.Equal(["POST /sync/deploy/changes"], pod.Requests));
    }

    [Fact]
    public async Task A_journal_that_moved_behind_the_session_takes_the_whole_path()
    {
        var memory = new DeployMemory();
        var request = Request(Image.From("debian:bookworm").Run("echo one"));
        await Deployer(memory).DeployAsync(request);
        var pod = _backend.PodsOf(_service)[0];
        pod.MarkSetupFailed(); // as if another deploy's plan failed on it meanwhile
        pod.ClearRequests();

        var healed = await Deployer(memory).DeployAsync(request);

        Assert.Equal(["POST /sync/deploy/changes", "GET /journal", "POST /setup/plan"], pod.Requests.Take(3));
        Assert.Equal(SetupStates.Ok, pod.Setup);
        Assert.Equal(healed.Version, pod.Active?.Version);
    }

    public void Dispose()
    {
        _backend.Dispose();
        _temp.Dispose();
    }

    private ServiceDeployer Deployer(DeployMemory? memory = null) => new(_backend, output: null, _backend.Transport) { Memory = memory ?? new() };

    private sealed class AheadClock(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + ahead;
    }

    private DeployRequest Request(Image image, int replicas = 1)
    {
        var code = _temp.Combine("code");
        if (!Directory.Exists(code))
        {
            Directory.CreateDirectory(Path.Combine(code, "sub"));
            File.WriteAllText(Path.Combine(code, "a.txt"), "ay");
            File.WriteAllText(Path.Combine(code, "b.txt"), "bee");
            File.WriteAllText(Path.Combine(code, "sub", "c.txt"), "sea");
            File.WriteAllText(Path.Combine(code, "sub", "a-again.txt"), "ay");
        }

        return new DeployRequest
        {
            Service = new ServiceSpec { Service = _service, Replicas = replicas },
            Image = image.Definition,
            ProjectDirectory = _temp.Path,
            CodeDirectory = code,
            ReadyTimeout = TimeSpan.FromSeconds(10),
        };
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}
