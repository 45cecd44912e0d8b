using System.Net;

namespace Kt.PodRuntime.Tests;

/// <summary>
/// Issue 22, item 8: the pod checks a plan by kind, with the client's own rules, before anything runs. Before, a step of
/// an unknown kind with a shell ran and was journaled, a run or apt step without a shell was journaled as done without
/// running, and duplicate keys, bad environment names and relative working directories were accepted.
/// </summary>
public sealed class PlanKindFaultTests(PlanKindFaultTests.Pod pod) : IClassFixture<PlanKindFaultTests.Pod>
{
    private static readonly string KeyA = new('a', 64);
    private static readonly string KeyB = new('b', 64);

    public static TheoryData<string, string> WrongShapes => new()
    {
        // name, the plan as a client that skipped the rules would send it ({MARK} is a file the shell would create)
        { "unknown kind with a shell", Plan(Step(KeyA, "\"kind\":\"curl\",\"shell\":\"touch {MARK}\"")) },
        { "run without a shell", Plan(Step(KeyA, "\"kind\":\"run\"")) },
        { "apt without a shell", Plan(Step(KeyA, "\"kind\":\"apt\",\"packages\":[\"jq\"]")) },
        { "env step with a shell", Plan(Step(KeyA, "\"kind\":\"env\",\"shell\":\"touch {MARK}\"")) },
        { "duplicate keys", Plan(Step(KeyA, "\"kind\":\"run\",\"shell\":\"touch {MARK}\"") + "," + Step(KeyA, "\"kind\":\"run\",\"shell\":\"true\"")) },
        { "a key that is not a step key", Plan(Step("not-a-key", "\"kind\":\"run\",\"shell\":\"touch {MARK}\"")) },
        { "A=B as an environment name", Plan(Step(KeyA, "\"kind\":\"run\",\"shell\":\"touch {MARK}\""), environment: "{\"A=B\":\"1\"}") },
        { "an empty environment name", Plan(Step(KeyA, "\"kind\":\"run\",\"shell\":\"touch {MARK}\""), environment: "{\"\":\"1\"}") },
        { "A=B in a step's environment", Plan(Step(KeyA, "\"kind\":\"run\",\"shell\":\"touch {MARK}\",\"environment\":{\"A=B\":\"1\"}")) },
        { "a relative working directory", Plan(Step(KeyA, "\"kind\":\"run\",\"shell\":\"touch {MARK}\""), workingDirectory: "\"work\"") },
        { "a relative step working directory", Plan(Step(KeyA, "\"kind\":\"run\",\"shell\":\"touch {MARK}\",\"workingDirectory\":\"work\"")) },
        { "a step key repeating a kept one", "{\"planVersion\":1,\"keepPrefix\":1,\"expectedPrefix\":[\"" + KeyB + "\"],\"steps\":[" + Step(KeyB, "\"kind\":\"run\",\"shell\":\"touch {MARK}\"") + "],\"environment\":{}}" },
    };

    [Theory]
    [MemberData(nameof(WrongShapes))]
    public async Task A_plan_of_a_wrong_shape_is_refused_whole_before_any_step_runs(string shape, string plan)
    {
        var runtime = pod.Runtime;
        var mark = Path.Combine(pod.Temp.Path, Guid.NewGuid().ToString("N"));

        var (status, code) = await RawPlan.PostAsync(runtime, plan.Replace("{MARK}", mark, StringComparison.Ordinal));

        Assert.True((HttpStatusCode.BadRequest, "KT4012") == (status, code), $"{shape}: answered {(int)status} {code}");
        Assert.False(File.Exists(mark), $"{shape}: a step ran");
        Assert.Equal([KeyB], (await runtime.Client.GetJournalAsync()).Select(e => e.Key));
        Assert.True(await runtime.Client.IsReadyAsync(), $"{shape}: a refused plan changed the setup state");
    }

    /// <summary>One runtime for every shape (each refusal must leave it as it was): a journal of one good step.</summary>
    public sealed class Pod : IAsyncLifetime
    {
        public TempRoot Temp { get; } = new();

        public RuntimeProcess Runtime { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Runtime = await RuntimeProcess.StartAsync(Path.Combine(Temp.Path, "root"));
            await Runtime.Client.ApplyPlanAsync(new LivePlan { Steps = [new LiveStep { Key = KeyB, Kind = "run", Description = "kept", Shell = "true" }] });
        }

        public async Task DisposeAsync()
        {
            await Runtime.DisposeAsync();
            Temp.Dispose();
        }
    }

    private static string Step(string key, string members) => $"{{\"key\":\"{key}\",\"description\":\"hand-written\",{members}}}";

    private static string Plan(string steps, string environment = "{}", string workingDirectory = "null") =>
        $"{{\"planVersion\":1,\"keepPrefix\":0,\"expectedPrefix\":[],\"steps\":[{steps}],\"environment\":{environment},\"workingDirectory\":{workingDirectory}}}";
}
