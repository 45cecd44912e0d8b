using Kt.PodRuntime.Hosting;
using Kt.PodRuntime.Worker;

namespace Kt.PodRuntime;

/// <summary>
/// One executable, two roles: the pod server (default) and, with the <c>worker</c> verb, the supervised process that
/// hosts user code. Sharing the executable keeps a self-contained deployment to a single publish folder.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == WorkerProcessStart.Verb)
        {
            return await WorkerMain.RunAsync(args[1..]).ConfigureAwait(false);
        }

        try
        {
            var options = RuntimeOptions.Parse(args, Environment.GetEnvironmentVariables());
            return await RuntimeServer.RunAsync(options).ConfigureAwait(false);
        }
        catch (Kt.Core.KtException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return 2;
        }
    }
}
