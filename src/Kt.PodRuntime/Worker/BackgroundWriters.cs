using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Kt.PodRuntime.Worker;

/// <summary>
/// Threads of their own (not the thread pool, where calls run) started inside a call or writing to the console: a
/// logging provider's queue thread — the console logger's is born inside the first call that builds a
/// <c>LoggerFactory</c> and writes every line after the call's <c>Log</c> returned. Before a call's output is closed,
/// <see cref="DrainAsync"/> waits until such threads have written what they hold, so a line logged just before the
/// call returns still belongs to it.
/// </summary>
internal static partial class BackgroundWriters
{
    /// <summary>
    /// How long a result waits for a background thread that stays busy; one that outlasts it (a user thread computing
    /// or printing without pause) is not waited for again.
    /// </summary>
    private static readonly TimeSpan DrainBound = TimeSpan.FromMilliseconds(250);

    private static readonly ConcurrentDictionary<Thread, Writer> Known = new();

    [ThreadStatic]
    private static Writer? t_self;

    /// <summary>Whether the current thread is one of its own: not a pool thread or the frame loop's (where calls and their continuations run).</summary>
    public static bool IsBackgroundThread => !Thread.CurrentThread.IsThreadPoolThread && !FrameLoop.IsFrameThread;

    /// <summary>Notes a background thread that starts running inside <paramref name="call"/>'s flow (it inherited it).</summary>
    public static void Born(CallScope call)
    {
        if (OperatingSystem.IsLinux() && IsBackgroundThread && t_self is null)
        {
            t_self = Known.GetOrAdd(Thread.CurrentThread, _ => new Writer(GetTid(), call));
        }
    }

    /// <summary>Marks the current background thread as inside a console write until the returned scope ends.</summary>
    public static WriteScope Enter()
    {
        if (!OperatingSystem.IsLinux())
        {
            return default;
        }

        var self = t_self ??= Known.GetOrAdd(Thread.CurrentThread, _ => new Writer(GetTid(), null));
        self.HasWritten = true;
        Interlocked.Increment(ref self.Writing);
        return new WriteScope(self);
    }

    /// <summary>
    /// Waits until every background thread that writes to the console, or was born in <paramref name="call"/>, is
    /// parked outside a write: its queue is then empty, so what the call logged has been written and attributed. The
    /// state comes from the kernel (<c>/proc/self/task/&lt;tid&gt;/stat</c>): a thread woken to write a queued line is
    /// runnable at once, before it runs, so "sleeping and not writing" means nothing is pending.
    /// </summary>
    public static async Task DrainAsync(CallScope call)
    {
        if (Known.IsEmpty)
        {
            return;
        }

        var deadline = DateTime.UtcNow + DrainBound;
        while (true)
        {
            var busy = Known.Where(pair => pair.Value.Concerns(call) && IsBusy(pair.Key, pair.Value)).ToList();
            if (busy.Count == 0)
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                busy.ForEach(pair => Known.TryRemove(pair.Key, out _));
                return;
            }

            await Task.Delay(1).ConfigureAwait(false);
        }
    }

    private static bool IsBusy(Thread thread, Writer writer)
    {
        if (!thread.IsAlive)
        {
            Known.TryRemove(thread, out _);
            return false;
        }

        return Volatile.Read(ref writer.Writing) > 0 || !IsParked(writer.OsThreadId);
    }

    private static bool IsParked(int osThreadId)
    {
        try
        {
            // "tid (comm) S ...": the state follows the last ')', since a thread's name may hold spaces or parens.
            var stat = File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/self/task/{osThreadId}/stat"));
            var end = stat.LastIndexOf(')');
            return end < 0 || end + 2 >= stat.Length || stat[end + 2] is not ('R' or 'W');
        }
        catch (IOException)
        {
            return true; // the thread is gone
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();

    internal sealed class Writer(int osThreadId, CallScope? bornIn)
    {
        public readonly int OsThreadId = osThreadId;
        public int Writing;
        public volatile bool HasWritten;

        // A thread that never wrote is waited for only by the call it was born in: a user thread computing in the
        // background must not hold every later result.
        public bool Concerns(CallScope call) => HasWritten || ReferenceEquals(bornIn, call);
    }

    /// <summary>Ends a background thread's console write.</summary>
    internal readonly struct WriteScope : IDisposable
    {
        private readonly Writer? _writer;

        internal WriteScope(Writer writer) => _writer = writer;

        public void Dispose()
        {
            if (_writer is not null)
            {
                Interlocked.Decrement(ref _writer.Writing);
            }
        }
    }
}
