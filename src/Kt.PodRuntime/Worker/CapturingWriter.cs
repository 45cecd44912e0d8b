using System.Text;

namespace Kt.PodRuntime.Worker;

/// <summary>
/// Replaces Console.Out/Console.Error in the worker: everything still goes to the real stream (the container's log),
/// and what is written inside a call is also handed to that call's <see cref="CallScope"/>. A write from a thread of
/// its own whose flow holds no open call (a logging provider's queue thread carries the call it was born in, long
/// closed) goes to <see cref="CallScope.SoleOpen"/>, and is tracked so that a call's result waits for it
/// (<see cref="BackgroundWriters"/>).
/// </summary>
internal sealed class CapturingWriter : TextWriter
{
    private readonly TextWriter _inner;
    private readonly string _stream;
    private object? _consoleLock;

    private CapturingWriter(TextWriter inner, string stream)
    {
        _inner = inner;
        _stream = stream;
    }

    /// <summary>Replaces Console.Out and Console.Error.</summary>
    public static void Install()
    {
        var stdout = new CapturingWriter(Console.Out, "stdout");
        Console.SetOut(stdout);
        // Console wraps the writer in a synchronized one whose methods lock that wrapper: a call held back by its
        // output window waits on that lock (CallScope.WaitForRoom), so other calls write meanwhile.
        stdout._consoleLock = Console.Out;
        var stderr = new CapturingWriter(Console.Error, "stderr");
        Console.SetError(stderr);
        stderr._consoleLock = Console.Error;
    }

    public override Encoding Encoding => _inner.Encoding;

    public override void Write(char value) => Capture([value], newline: false);

    public override void Write(char[] buffer, int index, int count) => Capture(buffer.AsSpan(index, count), newline: false);

    public override void Write(ReadOnlySpan<char> buffer) => Capture(buffer, newline: false);

    public override void Write(string? value)
    {
        if (value is not null)
        {
            Capture(value, newline: false);
        }
    }

    public override void WriteLine(string? value) => Capture(value, newline: true);

    public override void WriteLine() => Capture([], newline: true);

    public override void Flush() => _inner.Flush();

    private void Capture(ReadOnlySpan<char> text, bool newline)
    {
        var background = BackgroundWriters.IsBackgroundThread;
        using var writing = background ? BackgroundWriters.Enter() : default;
        if (newline)
        {
            _inner.WriteLine(text);
        }
        else
        {
            _inner.Write(text);
        }

        var scope = CallScope.Current;
        if (scope is null || (background && scope.IsCompleted))
        {
            scope = background ? CallScope.SoleOpen : null;
        }

        if (scope is null)
        {
            return;
        }

        scope.WaitForRoom(_consoleLock);
        scope.Append(_stream, text);
        if (newline)
        {
            scope.Append(_stream, "\n");
        }
    }
}
