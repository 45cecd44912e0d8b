namespace Kt.PodRuntime.Worker;

/// <summary>The command line contract between the supervisor and a worker process.</summary>
internal static class WorkerProcessStart
{
    public const string Verb = "worker";

    public const string SocketOption = "--socket";
}
