using Kt.PodRuntime.Errors;

namespace Kt.PodRuntime.Hosting;

/// <summary>
/// Makes sure the runtime can write its root before anything else runs. A frozen pod keeps only scratch there
/// (sockets, the worker's runtimeconfig): when the image runs as a user that cannot write the configured root
/// (<c>ContainerUser</c>, a base image's <c>USER</c>), it uses a folder of its own under the temp folder instead. A live
/// pod's root holds its journal and code versions, so an unwritable one is an error that names the user.
/// </summary>
internal static class WritableRoot
{
    public static RuntimeOptions Ensure(RuntimeOptions options)
    {
        if (CanWrite(options.Root))
        {
            return options;
        }

        var user = Supervision.UserEnvironment.Base.User;
        if (options.FrozenApp is null)
        {
            throw new KtException(RuntimeErrorCodes.RootNotWritable,
                $"the runtime root '{options.Root}' is not writable by user {user}; give that user a writable folder (--root / KT_ROOT) or run the pod as its owner.");
        }

        var scratch = Path.Combine(Path.GetTempPath(), $"kt-data-{user}");
        if (!CanWrite(scratch))
        {
            throw new KtException(RuntimeErrorCodes.RootNotWritable,
                $"neither the runtime root '{options.Root}' nor '{scratch}' is writable by user {user}; mount a writable folder at '{options.Root}'.");
        }

        Console.Error.WriteLine($"kt: the runtime root {options.Root} is not writable by user {user}; this frozen pod keeps its scratch files in {scratch}.");
        return options with { Root = scratch };
    }

    private static bool CanWrite(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".kt-write-check-{Environment.ProcessId}");
            File.WriteAllText(probe, string.Empty);
            File.Delete(probe);
            return true;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }
}
