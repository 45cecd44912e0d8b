using System.Text;

namespace Kt.PodRuntime.Worker;

/// <summary>
/// Replaces Console.Out/Console.Error in the worker: everything still goes to the real stream (the container's log),
/// and what is written inside a call is also handed to that call's <see cref="CallScope"/>.
/// </summary>
internal sealed class CapturingWriter : TextWriter
{
    private readonly TextWriter _inner;
    private readonly string _stream;

    public CapturingWriter(TextWriter inner, string stream)
    {
        _inner = inner;
        _stream = stream;
    }

    public override Encoding Encoding => _inner.Encoding;

    public override void Write(char value)
    {
        _inner.Write(value);
        CallScope.Current?.Append(_stream, [value]);
    }

    public override void Write(char[] buffer, int index, int count)
    {
        _inner.Write(buffer, index, count);
        CallScope.Current?.Append(_stream, buffer.AsSpan(index, count));
    }

    public override void Write(ReadOnlySpan<char> buffer)
    {
        _inner.Write(buffer);
        CallScope.Current?.Append(_stream, buffer);
    }

    public override void Write(string? value)
    {
        if (value is null)
        {
            return;
        }

        _inner.Write(value);
        CallScope.Current?.Append(_stream, value);
    }

    public override void WriteLine(string? value)
    {
        _inner.WriteLine(value);
        var scope = CallScope.Current;
        if (scope is not null)
        {
            scope.Append(_stream, value);
            scope.Append(_stream, "\n");
        }
    }

    public override void WriteLine()
    {
        _inner.WriteLine();
        CallScope.Current?.Append(_stream, "\n");
    }

    public override void Flush() => _inner.Flush();
}
