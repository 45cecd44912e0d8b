using System.CommandLine;
using Kt.Workflows;
using Kt.Workflows.Services;

namespace Kt.Cli;

/// <summary>
/// The verbs that take a service by name, whichever project deployed it: status/list, describe, logs, forward. Each
/// looks on every backend (process, docker, kubernetes) unless <c>--backend</c> names one.
/// </summary>
internal static class ServiceCommands
{
    /// <summary><c>--backend</c> and <c>--namespace</c>, read back as a <see cref="ServiceScope"/>.</summary>
    private sealed record ScopeOptions(Option<string?> Backend, Option<string> Namespace)
    {
        public static ScopeOptions AddTo(Command command)
        {
            var options = new ScopeOptions(
                new Option<string?>("--backend", "-b") { Description = "Only this backend: process, docker or kubernetes (default: all of them)." },
                new Option<string>("--namespace", "-n") { Description = "The Kubernetes namespace to look in.", DefaultValueFactory = _ => "default" });
            options.Backend.AcceptOnlyFromAmong(ServiceScope.AllBackends.ToArray());
            command.Options.Add(options.Backend);
            command.Options.Add(options.Namespace);
            return options;
        }

        public ServiceScope Read(ParseResult result) => new(result.GetValue(Backend), result.GetValue(Namespace) ?? "default");
    }

    private static Argument<string> ServiceArgument() => new("service") { Description = "The service's name (KtService; kt status lists them)." };

    public static Command Status()
    {
        var command = new Command("status", "Every service on every backend (process, docker, kubernetes), whichever project deployed it: "
            + "its pods, the version they serve, their setup steps and age.");
        command.Aliases.Add("list");
        var service = new Argument<string?>("service") { Description = "Only this service (default: all).", Arity = ArgumentArity.ZeroOrOne };
        command.Arguments.Add(service);
        var scope = ScopeOptions.AddTo(command);
        command.SetAction((result, cancellationToken) => KtCommands.RunAsync(result, verbose: false, async _ =>
        {
            var inventory = await ServiceInventory.ListAsync(scope.Read(result), result.GetValue(service), cancellationToken).ConfigureAwait(false);
            ServiceReport.WriteStatus(result.InvocationConfiguration.Output, inventory, DateTimeOffset.UtcNow);
        }));
        return command;
    }

    public static Command Describe()
    {
        var command = new Command("describe", "One service in full: where it runs, the setup steps its pods journaled (its definition as applied), "
            + "each pod's state, version and setup, and what the backend reports about them (exits, restarts, cluster events).");
        var service = ServiceArgument();
        command.Arguments.Add(service);
        var scope = ScopeOptions.AddTo(command);
        command.SetAction((result, cancellationToken) => KtCommands.RunAsync(result, verbose: false, async _ =>
        {
            using var located = await LocatedService.FindAsync(scope.Read(result), result.GetValue(service)!, cancellationToken).ConfigureAwait(false);
            ServiceReport.WriteDescription(result.InvocationConfiguration.Output, located, DateTimeOffset.UtcNow);
        }));
        return command;
    }

    public static Command Logs()
    {
        var command = new Command("logs", "The call output the service's pods retain (stdout, stderr, ILogger), each line prefixed with its pod; "
            + "-f keeps printing new lines until Ctrl+C.");
        var service = ServiceArgument();
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new lines as calls write them." };
        var pod = new Option<string?>("--pod") { Description = "Only this pod (e.g. hello-0; default: every pod)." };
        command.Arguments.Add(service);
        command.Options.Add(follow);
        command.Options.Add(pod);
        var scope = ScopeOptions.AddTo(command);
        command.SetAction((result, cancellationToken) => KtCommands.RunAsync(result, verbose: false, async _ =>
        {
            using var located = await LocatedService.FindAsync(scope.Read(result), result.GetValue(service)!, cancellationToken).ConfigureAwait(false);
            var output = result.InvocationConfiguration.Output;
            await ServiceLogs.StreamAsync(located.Pods(result.GetValue(pod)), result.GetValue(follow), output.WriteLine, cancellationToken).ConfigureAwait(false);
        }));
        return command;
    }

    public static Command Forward()
    {
        var command = new Command("forward", "A local port (127.0.0.1) to the service's pod that stays open until Ctrl+C, on any backend "
            + "(on Kubernetes through the API server's port-forward). It adds the service's bearer token itself, so a browser or curl needs none; "
            + "a service that runs an app (Remote.App) is served at the root. --raw relays bytes instead (calls then need the token: --token prints it).");
        var service = ServiceArgument();
        var port = new Option<int>("--port") { Description = "The local port (default 0: any free port, printed).", DefaultValueFactory = _ => 0 };
        var pod = new Option<string?>("--pod") { Description = "The pod to reach (default: the first, rank 0)." };
        var token = new Option<bool>("--token") { Description = "Print the service's bearer token once, with a curl line that uses it." };
        var raw = new Option<bool>("--raw") { Description = "Relay bytes (any protocol) instead of authenticating each HTTP request: callers send the token." };
        command.Arguments.Add(service);
        command.Options.Add(port);
        command.Options.Add(pod);
        command.Options.Add(token);
        command.Options.Add(raw);
        var scope = ScopeOptions.AddTo(command);
        command.SetAction((result, cancellationToken) => KtCommands.RunAsync(result, verbose: false, async output =>
        {
            using var located = await LocatedService.FindAsync(scope.Read(result), result.GetValue(service)!, cancellationToken).ConfigureAwait(false);
            var target = located.Pods(result.GetValue(pod))[0];
            var where = $"to {target.Name} of {located.Name} on {located.Backend.Name}; Ctrl+C stops";
            if (result.GetValue(raw))
            {
                await using var relay = LoopbackRelay.Start(result.GetValue(port), target.Address);
                var local = $"http://127.0.0.1:{relay.LocalPort}/";
                output.Progress($"forwarding {local} {where}");
                PrintToken(output, result.GetValue(token), target.Token, $"curl -H 'Authorization: Bearer {target.Token}' {local}health", "calls need the service's bearer token: add --token to print it");
                await relay.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await using var proxy = await AuthenticatingProxy.StartAsync(result.GetValue(port), target, cancellationToken).ConfigureAwait(false);
                var local = $"http://127.0.0.1:{proxy.LocalPort}/";
                output.Progress($"forwarding {local} {where}");
                output.Progress(proxy.ServesApp ? $"the app is at {local} (open it in a browser; the token is added for you)" : $"curl {local}health (the token is added for you)");
                PrintToken(output, result.GetValue(token), target.Token, null, null);
                await proxy.RunAsync(cancellationToken).ConfigureAwait(false);
            }
        }));
        return command;
    }

    private static void PrintToken(WorkflowOutput output, bool asked, string token, string? curl, string? otherwise)
    {
        if (asked)
        {
            output.Progress($"token {token}");
            if (curl is not null)
            {
                output.Progress(curl);
            }
        }
        else if (otherwise is not null)
        {
            output.Progress(otherwise);
        }
    }
}
