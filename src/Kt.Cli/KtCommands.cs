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
        var root = new RootCommand("kt: Kt's dev loop from the command line: watch, deploy, freeze, teardown and call for a .NET project that references Kt.MSBuild; status, describe, logs and forward for any service on any backend.");
        root.Subcommands.Add(Watch());
        root.Subcommands.Add(Deploy());
        root.Subcommands.Add(ServiceCommands.Status());
        root.Subcommands.Add(ServiceCommands.Describe());
        root.Subcommands.Add(ServiceCommands.Logs());
        root.Subcommands.Add(ServiceCommands.Forward());
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

    private static Option<string> ConfigurationOption(string defaultConfiguration = "Release") => new("--configuration", "-c")
    {
        Description = $"The configuration to publish and compile (default {defaultConfiguration}).",
        DefaultValueFactory = _ => defaultConfiguration,
    };

    /// <summary>
    /// <c>-p:Name=Value</c>, as <c>dotnet publish</c> takes it (the parser splits <c>-p:</c> like <c>-p </c>), so a user's
    /// <c>dotnet publish -p:KtCompute=docker</c> is <c>kt deploy -p:KtCompute=docker</c>.
    /// </summary>
    private static Option<string[]> PropertyOption() => new("--property", "-p")
    {
        Description = "An MSBuild property for the publish and every build the verb runs, as dotnet publish takes it: -p:KtCompute=docker (repeatable).",
    };

    /// <summary>The project argument and the configuration and property options every project verb takes, read back as one set of options.</summary>
    private sealed record ProjectInputs(Argument<string?> Project, Option<string> Configuration, Option<string[]> Properties)
    {
        public static ProjectInputs AddTo(Command command, string defaultConfiguration = "Release")
        {
            var inputs = new ProjectInputs(ProjectArgument(), ConfigurationOption(defaultConfiguration), PropertyOption());
            command.Arguments.Add(inputs.Project);
            command.Options.Add(inputs.Configuration);
            command.Options.Add(inputs.Properties);
            return inputs;
        }

        public WatchOptions Read(ParseResult result) => Options(result.GetValue(Project), result.GetValue(Configuration)) with
        {
            Properties = MSBuildProperties(result.GetValue(Properties) ?? []),
        };
    }

    /// <summary>Each <c>Name=Value</c>; <c>-p:A=1;B=2</c> is two, as MSBuild reads it. A value without a name is KT8012.</summary>
    private static string[] MSBuildProperties(IEnumerable<string> values) =>
        [.. values.SelectMany(v => v.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(p =>
            p.IndexOf('=', StringComparison.Ordinal) > 0 ? p : throw new KtException(CliErrors.PropertyWithoutName, $"-p:{p} names no property: write -p:Name=Value (e.g. -p:KtCompute=docker)"))];

    private static Option<bool> VerboseOption() => new("--verbose", "-v") { Description = "Also print MSBuild's own output (each setup step's output is printed anyway, as it runs)." };

    private static Command Watch()
    {
        var command = new Command("watch", "Deploy once, then on each save: C# edits compile in-process and reach the pods in a fraction of a second; "
            + "project, props/targets, content or KtSetup changes run a full publish + deploy. Debug (the default) sends method-body edits as IL deltas "
            + "the running pods apply in place (their state kept); -c Release compiles and reloads whole assemblies.");
        // Debug by default: Edit and Continue needs debuggable code (docs/cli.md, "IL deltas").
        var inputs = ProjectInputs.AddTo(command, WatchOptions.DefaultConfiguration);
        var verbose = VerboseOption();
        command.Options.Add(verbose);
        command.SetAction((result, cancellationToken) => RunAsync(result, result.GetValue(verbose), async output =>
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
        command.SetAction((result, cancellationToken) => RunAsync(result, result.GetValue(verbose), output =>
            ProjectPipeline.DeployOnceAsync(inputs.Read(result), output, cancellationToken), interrupts: true));
        return command;
    }

    private static Command Teardown()
    {
        var command = new Command("teardown", "Remove every pod the dev loop created for the project's service (as dotnet build -t:KtTeardown).");
        var inputs = ProjectInputs.AddTo(command);
        command.SetAction((result, cancellationToken) => RunAsync(result, verbose: false, async output =>
        {
            var definition = await ProjectPipeline.DefinitionAsync(inputs.Read(result), cancellationToken).ConfigureAwait(false);
            await TeardownWorkflow.TeardownAsync(definition, output, cancellationToken).ConfigureAwait(false);
        }, interrupts: true));
        return command;
    }

    private static Command Freeze()
    {
        var command = new Command("freeze", "Build the frozen, layered OCI image and its digest-pinned manifests (dotnet publish -p:KtFreeze=true; "
            + "ContainerRegistry pushes it).");
        var inputs = ProjectInputs.AddTo(command);
        command.SetAction((result, cancellationToken) => RunAsync(result, verbose: false, output =>
            ProjectPipeline.FreezeAsync(inputs.Read(result), output, cancellationToken), interrupts: true));
        return command;
    }

    private static Command Call()
    {
        var command = new Command("call", "Call a public static method on the project's first pod and print the JSON result (a stream's elements one per line, as they come): kt call Functions.Hello '[\"world\"]'.");
        var target = new Argument<string>("Type.Method") { Description = "The method; the type's namespace may be left out when it is the project's root namespace." };
        var arguments = new Argument<string?>("args") { Description = "The arguments as a JSON array (default: none).", Arity = ArgumentArity.ZeroOrOne };
        var project = new Option<string?>("--project", "-p") { Description = "The project file, or a folder with one (default: the current folder)." };
        var configuration = ConfigurationOption();
        command.Arguments.Add(target);
        command.Arguments.Add(arguments);
        command.Options.Add(project);
        command.Options.Add(configuration);
        command.SetAction((result, cancellationToken) => RunAsync(result, verbose: false, async output =>
        {
            var options = Options(result.GetValue(project), result.GetValue(configuration));
            var definition = await ProjectPipeline.DefinitionAsync(options, cancellationToken).ConfigureAwait(false);
            await RemoteCall.CallAsync(definition, Path.GetFileNameWithoutExtension(options.ProjectFile), result.GetValue(target)!,
                result.GetValue(arguments), result.InvocationConfiguration.Output.WriteLine, cancellationToken).ConfigureAwait(false);
        }));
        return command;
    }

    private static WatchOptions Options(string? project, string? configuration) => new()
    {
        ProjectFile = ProjectPipeline.FindProject(project),
        Configuration = string.IsNullOrWhiteSpace(configuration) ? "Release" : configuration,
    };

    /// <summary>
    /// Lines on the invocation's output (the console, or a test's writer), with the deploy's phase on a status line when
    /// that is a terminal (<see cref="LiveOutput"/>); a Kt error is one line with its code on the error writer.
    /// </summary>
    /// <param name="interrupts">True for a verb whose Ctrl+C cuts work off (deploy, teardown, freeze): it ends with
    /// KT6013; a watch, a log follow or a forward simply stops.</param>
    internal static async Task<int> RunAsync(ParseResult result, bool verbose, Func<WorkflowOutput, Task> work, bool interrupts = false)
    {
        var (stdout, stderr) = (result.InvocationConfiguration.Output, result.InvocationConfiguration.Error);
        var output = LiveOutput.For(stdout).Output(verbose);
        try
        {
            await work(output).ConfigureAwait(false);
            return 0;
        }
        catch (KtException e)
        {
            stderr.WriteLine($"kt: error {e.Code}: {e.Detail}");
            return Failed;
        }
        catch (Kt.PodRuntime.Client.RemoteException e) when (e.Code == Kt.PodRuntime.Protocol.RuntimeErrorCodes.UserException)
        {
            // The user's own exception (kt call): printed as dotnet prints an unhandled one, with the pod's frames.
            stderr.WriteLine("Unhandled exception. " + Kt.PodRuntime.Client.RemoteErrorText.Format(e.Error));
            return Failed;
        }
        catch (Kt.PodRuntime.Client.RemoteException e) when (e.Code is not null)
        {
            // A pod's own refusal (KT4xxx) carries its code like any Kt error.
            stderr.WriteLine($"kt: error {e.Code}: {e.Message}");
            return Failed;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine(interrupts ? $"kt: error {WorkflowErrors.Cancelled}: {WorkflowErrors.CancelledMessage}" : "kt: cancelled");
            return Cancelled;
        }
        catch (Exception e) when (EnvironmentFaults.Classify(e) is { } fault)
        {
            stderr.WriteLine($"kt: error {fault.Code}: {fault.Detail}");
            return Failed;
        }
    }
}
