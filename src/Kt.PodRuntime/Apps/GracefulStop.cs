using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Kt.PodRuntime.Apps;

/// <summary>
/// Stops an app's process tree the way a container runtime stops a container: SIGTERM to every process of it (the
/// <c>sh -c</c> and the app under it), a grace period in which a web server stops listening and finishes the requests it
/// has (ASP.NET does), then SIGKILL for what is left. A request in flight is answered instead of cut off; one that
/// finds the port closed meanwhile is held by the proxy until the new process listens.
/// </summary>
internal static partial class GracefulStop
{
    private const int SigTerm = 15;

    public static void Stop(Process process, TimeSpan grace)
    {
        var tree = Tree(process.Id);
        foreach (var pid in tree)
        {
            _ = Kill(pid, SigTerm);
        }

        // The tree's processes are not all this process's children (the app under `sh -c` is a grandchild), so their
        // end is read from /proc: gone, or a zombie that has released its port.
        var clock = Stopwatch.StartNew();
        while (tree.Any(Alive) && clock.Elapsed < grace)
        {
            Thread.Sleep(20);
        }

        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It ended by itself.
        }

        foreach (var pid in tree.Where(Alive))
        {
            _ = Kill(pid, 9); // a grandchild already re-parented away from the tree Process.Kill walks
        }
    }

    // The process and its descendants, from /proc/<pid>/task/<pid>/children (Linux); the process alone elsewhere.
    private static List<int> Tree(int root)
    {
        var all = new List<int> { root };
        for (var i = 0; i < all.Count; i++)
        {
            var children = $"/proc/{all[i]}/task/{all[i]}/children";
            try
            {
                all.AddRange(File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // Gone meanwhile, or no such file on this kernel.
            }
        }

        return all;
    }

    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..];
            return state.Length > 0 && state[0] is not ('Z' or 'X');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
