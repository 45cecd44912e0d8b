namespace Kt.PodRuntime.Worker;

/// <summary>The command line contract between the supervisor and a worker process.</summary>
internal static class WorkerProcessStart
{
    public const string Verb = "worker";

    public const string SocketOption = "--socket";

    /// <summary>
    /// The definition sets no working directory: the worker's current directory is the active version's app folder,
    /// and moves with every in-place reload (as a fresh <c>dotnet App.dll</c> of that version would start there).
    /// </summary>
    public const string FollowVersionOption = "--follow-version";
}
