using System.Text;

namespace Kt.Docker;

/// <summary>
/// Turns the byte chunks of a container's stdout and stderr into whole lines, hands each to a callback as soon as it
/// is complete, and remembers the last few for error reports. Each stream has its own decoder and partial line so
/// interleaved chunks never split a UTF-8 character or glue two streams' text together.
/// </summary>
internal sealed class OutputLineCollector
{
    private readonly Action<string>? _sink;
    private readonly int _tailLines;
    private readonly Queue<string> _tail = new();
    private readonly StreamState _stdout = new();
    private readonly StreamState _stderr = new();

    public OutputLineCollector(Action<string>? sink, int tailLines)
    {
        _sink = sink;
        _tailLines = tailLines;
    }

    public void Append(bool isStderr, ReadOnlySpan<byte> bytes)
    {
        var state = isStderr ? _stderr : _stdout;
        var chars = new char[state.Decoder.GetCharCount(bytes, flush: false)];
        state.Decoder.GetChars(bytes, chars, flush: false);
        foreach (var c in chars)
        {
            if (c == '\n')
            {
                Emit(state);
            }
            else
            {
                state.Partial.Append(c);
            }
        }
    }

    /// <summary>Emits any unterminated last lines.</summary>
    public void Complete()
    {
        foreach (var state in new[] { _stdout, _stderr })
        {
            var rest = new char[state.Decoder.GetCharCount([], flush: true)];
            state.Decoder.GetChars([], rest, flush: true);
            state.Partial.Append(rest);
            if (state.Partial.Length > 0)
            {
                Emit(state);
            }
        }
    }

    /// <summary>The last lines seen, oldest first, joined with '\n'.</summary>
    public string Tail => string.Join('\n', _tail);

    private void Emit(StreamState state)
    {
        var line = state.Partial.ToString().TrimEnd('\r');
        state.Partial.Clear();
        _tail.Enqueue(line);
        while (_tail.Count > _tailLines)
        {
            _tail.Dequeue();
        }

        _sink?.Invoke(line);
    }

    private sealed class StreamState
    {
        public Decoder Decoder { get; } = new UTF8Encoding(false).GetDecoder();

        public StringBuilder Partial { get; } = new();
    }
}
