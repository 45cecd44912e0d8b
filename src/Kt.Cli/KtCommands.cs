using System.CommandLine;
using Kt.DevLoop.Backends;
using Kt.Watch;
using Kt.Workflows;

namespace Kt.Cli;

/// <summary>
/// The verbs of <c>kt</c>, each a thin shell over a workflow: parse, run, print, return an exit code a script can test
/// (0 done, 1 a Kt error with its KT code printed, 130 cancelled). Ctrl+C cancels the running work.
/// </summary>
internal static class KtCommands
{
    public const int Failed = 1;
    public const int Cancelled = 130;

    public static RootCommand Root()
    {
        var root = new RootCommand("kt: Kt's dev loop from the command line (watch, deploy, status, teardown) for a .NET project that references Kt.MSBuild.");
        root.Subcommands.Add(Watch());
        root.Subcommands.Add(Deploy());
        root.Subcommands.Add(Status());
        root.Subcommands.Add(Teardown());
        root.Subcommands.Add(Freeze());
        root.Subcommands.Add(Call());
        return root;
    }

    private static Argument<string?> ProjectArgument() => new("project")
    {
        Description = "The project file, or a folder with one (default: the current folder).",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static Option<string> ConfigurationOption() => new("--configuration", "-c")
    {
        Description = "The configuration to publish and compile.",
        DefaultValueFactory = _ => "Release",
    };

    /// <summary>The project argument and configuration option every project verb takes, read back as one set of options.</summary>
    private sealed record ProjectInputs(Argument<string?> Project, Option<string> Configuration)
    {
        public static ProjectInputs AddTo(Command command)
        {
            var inputs = new ProjectInputs(ProjectArgument(), ConfigurationOption());
            command.Arguments.Add(inputs.Project);
            command.Options.Add(inputs.Configuration);
            return inputs;
        }

        public WatchOptions Read(ParseResult result) => Options(result.GetValue(Project), result.GetValue(Configuration));
    }

    private static Option<bool> VerboseOption() => new("--verbose", "-v") { Description = "Also print each step's output and MSBuild's." };

    private static Command Watch()
    {
        var command = new Command("watch", "Deploy once, then on each save: C# edits compile in-process and reach the pods in a fraction of a second; "
            + "project, props/targets, content or KtSetup changes run a full publish + deploy.");
        var inputs = ProjectInputs.AddTo(command);
        var verbose = VerboseOption();
        command.Options.Add(verbose);
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(verbose), async output =>
        {
            using var session = new WatchSession(inputs.Read(result), output);
            await session.RunAsync(cancellationToken).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Deploy()
    {
        var command = new Command("deploy", "Publish and deploy the project to its KtCompute (process, docker, kubernetes), as dotnet publish -p:KtDeploy=true does.");
        var inputs = ProjectInputs.AddTo(command);
        var verbose = VerboseOption();
        command.Options.Add(verbose);
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(verbose), output =>
            ProjectPipeline.DeployOnceAsync(inputs.Read(result), output, cancellationToken)));
        return command;
    }

    private static Command Status()
    {
        var command = new Command("status", "The project's service on its backend: its pods and their addresses.");
        var inputs = ProjectInputs.AddTo(command);
        command.SetAction((result, cancellationToken) => RunAsync(verbose: false, async output =>
        {
            var definition = await ProjectPipeline.DefinitionAsync(inputs.Read(result), cancellationToken).ConfigureAwait(false);
            using var backend = ComputeBackends.Create(definition.Compute.Backend, definition.Compute.Namespace, cluster: definition.Compute.Cluster);
            var pods = await backend.FindAsync(definition.Service, cancellationToken).ConfigureAwait(false);
            if (pods is null)
            {
                output.Progress($"{definition.Service}: not deployed on {backend.Name}");
                return;
            }

            output.Progress($"{definition.Service} on {backend.Name}: {pods.Pods.Count} pod{(pods.Pods.Count == 1 ? "" : "s")}");
            foreach (var pod in pods.Pods)
            {
                output.Progress($"  {pod.Name} {pod.Address}");
            }
        }));
        return command;
    }

    private static Command Teardown()
    {
        var command = new Command("teardown", "Remove every pod the dev loop created for the project's service (as dotnet build -t:KtTeardown).");
        var inputs = ProjectInputs.AddTo(command);
        command.SetAction((result, cancellationToken) => RunAsync(verbose: false, async output =>
        {
            var definition = await ProjectPipeline.DefinitionAsync(inputs.Read(result), cancellationToken).ConfigureAwait(false);
            await TeardownWorkflow.TeardownAsync(definition, output, cancellationToken).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Freeze()
    {
        var command = new Command("freeze", "Build the frozen, layered OCI image and its digest-pinned manifests (dotnet publish -p:KtFreeze=true; "
            + "ContainerRegistry pushes it).");
        var inputs = ProjectInputs.AddTo(command);
        command.SetAction((result, cancellationToken) => RunAsync(verbose: false, output =>
            ProjectPipeline.FreezeAsync(inputs.Read(result), output, cancellationToken)));
        return command;
    }

    private static Command Call()
    {
        var command = new Command("call", "Call a public static method on the project's first pod and print the JSON result: kt call Functions.Hello '[\"world\"]'.");
        var target = new Argument<string>("Type.Method") { Description = "The method; the type's namespace may be left out when it is the project's root namespace." };
        var arguments = new Argument<string?>("args") { Description = "The arguments as a JSON array (default: none).", Arity = ArgumentArity.ZeroOrOne };
        var project = new Option<string?>("--project", "-p") { Description = "The project file, or a folder with one (default: the current folder)." };
        var configuration = ConfigurationOption();
        command.Arguments.Add(target);
        command.Arguments.Add(arguments);
        command.Options.Add(project);
        command.Options.Add(configuration);
        command.SetAction((result, cancellationToken) => RunAsync(verbose: false, async output =>
        {
            var options = Options(result.GetValue(project), result.GetValue(configuration));
            var definition = await ProjectPipeline.DefinitionAsync(options, cancellationToken).ConfigureAwait(false);
            var json = await RemoteCall.CallAsync(definition, Path.GetFileNameWithoutExtension(options.ProjectFile), result.GetValue(target)!,
                result.GetValue(arguments), cancellationToken).ConfigureAwait(false);
            Console.Out.WriteLine(json);
        }));
        return command;
    }

    private static WatchOptions Options(string? project, string? configuration) => new()
    {
        ProjectFile = ProjectPipeline.FindProject(project),
        Configuration = string.IsNullOrWhiteSpace(configuration) ? "Release" : configuration,
    };

    /// <summary>Plain lines (a terminal and a CI log read them alike); a Kt error is one line with its code.</summary>
    private static async Task<int> RunAsync(bool verbose, Func<WorkflowOutput, Task> work)
    {
        var output = new WorkflowOutput(line => Console.Out.WriteLine("kt: " + line), verbose ? line => Console.Out.WriteLine(line) : _ => { });
        try
        {
            await work(output).ConfigureAwait(false);
            return 0;
        }
        catch (KtException e)
        {
            Console.Error.WriteLine($"kt: error {e.Code}: {e.Detail}");
            return Failed;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("kt: cancelled");
            return Cancelled;
        }
    }
}
