using System.Threading.Channels;
using Kt.Core;
using Kt.ImageCompiler;
using Kt.TestSupport;
using Kt.Workflows;

namespace Kt.Cli.Tests;

/// <summary>
/// The deploy workflow that <c>kt deploy</c>, <c>kt watch</c> and <c>dotnet publish -p:KtDeploy=true</c> share, on a real
/// process pod: a setup step's output reaches the user's lines while the step still runs, each phase is announced as
/// it begins, and the summary ends with the per-phase timings.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class DeployProgressTests
{
    // Prints, then waits (on the pod) until the test lets it go: only a streamed line can be seen before that.
    private const string WaitingStep = "echo first line; while [ ! -f go ]; do sleep 0.05; done; echo second line";

    [Fact]
    public async Task A_running_steps_output_arrives_as_it_is_written_and_the_phases_are_announced_in_order()
    {
        using var temp = new TempFolder("kt-cli-progress");
        var service = ServiceVerbTests.Unique("progress");
        var lines = Channel.CreateUnbounded<string>();
        var phases = new List<string>();
        var output = new WorkflowOutput(line => lines.Writer.TryWrite(line), line => lines.Writer.TryWrite("detail: " + line))
        {
            Phase = phase => { lock (phases) { phases.Add(phase); } },
        };
        var request = new DeployWorkflowRequest
        {
            Project = new ProjectDefinition { Service = service, BaseImage = "debian:bookworm" },
            Image = Image.From("debian:bookworm").Run(WaitingStep).Definition,
            PublishDirectory = CliFixture.CreateCodeFolder(temp),
            RuntimeImage = new ImageOutputSettings { ProjectDirectory = temp.Path },
        };

        var deploy = DeployWorkflow.DeployAsync(request, output, CancellationToken.None);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var step = await NextAsync(lines, l => l.Contains("step run echo first line", StringComparison.Ordinal), timeout.Token);
            Assert.Matches(@"^\[progress-[0-9a-f]+-0\] step run ", step);
            Assert.EndsWith("]   first line", await NextAsync(lines, l => l.Contains("first line", StringComparison.Ordinal), timeout.Token), StringComparison.Ordinal);
            Assert.False(deploy.IsCompleted); // the step is still running on the pod
            lock (phases)
            {
                Assert.Equal(["pods", "setup"], phases);
            }

            var work = Directory.GetDirectories(Path.Combine(Kt.DevLoop.Backends.ProcessBackend.ServiceFolder(service), "pods")).Single();
            File.WriteAllText(Path.Combine(work, "work", "go"), "");
            Assert.EndsWith("]   second line", await NextAsync(lines, _ => true, timeout.Token), StringComparison.Ordinal);
            await deploy;
            lines.Writer.Complete();
            var rest = new List<string>();
            await foreach (var line in lines.Reader.ReadAllAsync(timeout.Token))
            {
                rest.Add(line);
            }

            Assert.Contains(rest, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^compile \d+ ms · pods \d+ ms · setup 1 step \d+ ms · sync .* · ready \d+ ms · total \d+ ms$"));
            Assert.DoesNotContain(rest, l => l.StartsWith("detail: ", StringComparison.Ordinal) && l.Contains("line", StringComparison.Ordinal));
            lock (phases)
            {
                Assert.Equal(["pods", "setup", "sync", "ready", ""], phases);
            }
        }
        finally
        {
            await TeardownWorkflow.TeardownAsync(request.Project, WorkflowOutput.Silent, CancellationToken.None);
        }
    }

    private static async Task<string> NextAsync(Channel<string> lines, Func<string, bool> match, CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await lines.Reader.ReadAsync(cancellationToken);
            if (match(line))
            {
                return line;
            }
        }
    }
}
