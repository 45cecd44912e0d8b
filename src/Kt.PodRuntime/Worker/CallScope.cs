using System.Text;
using Kt.PodRuntime.Observability;

namespace Kt.PodRuntime.Worker;

/// <summary>
/// The per-call log state, flowing with the call's async context: partial lines per stream, and a completed flag so
/// that output is sent exactly once and nothing is sent after the result.
/// </summary>
internal sealed class CallScope
{
    private static readonly AsyncLocal<CallScope?> CurrentScope = new();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private long _stdoutDropped;
    private long _stderrDropped;
    private readonly Action<CallScope, string, string> _emit;
    private bool _completed;

    public CallScope(long callId, string requestId, Action<CallScope, string, string> emit)
    {
        CallId = callId;
        RequestId = requestId;
        _emit = emit;
    }

    public static CallScope? Current
    {
        get => CurrentScope.Value;
        set => CurrentScope.Value = value;
    }

    public long CallId { get; }

    public string RequestId { get; }

    /// <summary>
    /// Appends text written to a stream; whole lines are emitted at once, each held up to
    /// <see cref="LogLimits.MaxLineChars"/> (the rest is counted, not buffered, and the line ends with a note).
    /// </summary>
    public void Append(string stream, ReadOnlySpan<char> text)
    {
        lock (this)
        {
            if (_completed)
            {
                return;
            }

            var stderr = stream == "stderr";
            var buffer = stderr ? _stderr : _stdout;
            while (!text.IsEmpty)
            {
                var newline = text.IndexOf('\n');
                var part = newline < 0 ? text : text[..newline];
                var room = Math.Max(0, LogLimits.MaxLineChars - buffer.Length);
                buffer.Append(part[..Math.Min(room, part.Length)]);
                if (part.Length > room)
                {
                    if (stderr)
                    {
                        _stderrDropped += part.Length - room;
                    }
                    else
                    {
                        _stdoutDropped += part.Length - room;
                    }
                }

                if (newline < 0)
                {
                    return;
                }

                if (buffer.Length > 0 && buffer[^1] == '\r')
                {
                    buffer.Length--;
                }

                EmitLine(stream, buffer, stderr);
                text = text[(newline + 1)..];
            }
        }
    }

    // Caller holds the lock.
    private void EmitLine(string stream, StringBuilder buffer, bool stderr)
    {
        var dropped = stderr ? _stderrDropped : _stdoutDropped;
        _emit(this, stream, dropped > 0 ? buffer + LogLimits.Note(dropped) : buffer.ToString());
        buffer.Clear();
        if (stderr)
        {
            _stderrDropped = 0;
        }
        else
        {
            _stdoutDropped = 0;
        }
    }

    /// <summary>Emits unterminated lines and closes the scope; called before the result is sent, so no output is lost.</summary>
    public void Complete()
    {
        lock (this)
        {
            if (_completed)
            {
                return;
            }

            if (_stdout.Length > 0)
            {
                EmitLine("stdout", _stdout, stderr: false);
            }

            if (_stderr.Length > 0)
            {
                EmitLine("stderr", _stderr, stderr: true);
            }

            _completed = true;
        }
    }
}
