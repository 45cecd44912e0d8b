namespace Kt.PodRuntime.Hosting;

/// <summary>
/// A live pod's root has one runtime (<see cref="RootOwner"/>): two would share a journal, versions and blobs, and a
/// backend would stop one and delete the folder under the other. Held from before anything reads the root until the
/// process ends. A frozen pod's root is scratch (possibly a shared temp folder) and is not locked.
/// </summary>
internal static class RootLock
{
    public static FileStream? Acquire(RuntimeOptions options)
    {
        if (options.FrozenApp is not null)
        {
            return null;
        }

        var held = RootOwner.TryLock(options.Root) ?? throw new KtException(RuntimeErrorCodes.RootInUse,
            $"the runtime root '{options.Root}' is in use by another runtime ({RootOwner.Read(options.Root)?.ToString() ?? "one that has not named itself yet"}); a root has one runtime: stop that one or give this one another --root.");
        // Whatever an earlier owner wrote about itself is stale from here on; the new record comes once this one listens.
        File.Delete(Path.Combine(options.Root, RootOwner.OwnerFileName));
        return held;
    }

    /// <summary>Names this process as the root's owner, with the port it listens on.</summary>
    public static void Publish(FileStream? held, RuntimeOptions options, int port)
    {
        if (held is not null)
        {
            new RootOwner(Environment.ProcessId, port).Write(options.Root);
        }
    }
}
