using System.Text;

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

    /// <summary>Appends text written to a stream; whole lines are emitted at once.</summary>
    public void Append(string stream, ReadOnlySpan<char> text)
    {
        lock (this)
        {
            if (_completed)
            {
                return;
            }

            var buffer = stream == "stderr" ? _stderr : _stdout;
            while (!text.IsEmpty)
            {
                var newline = text.IndexOf('\n');
                if (newline < 0)
                {
                    buffer.Append(text);
                    return;
                }

                buffer.Append(text[..newline]);
                if (buffer.Length > 0 && buffer[^1] == '\r')
                {
                    buffer.Length--;
                }

                _emit(this, stream, buffer.ToString());
                buffer.Clear();
                text = text[(newline + 1)..];
            }
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
                _emit(this, "stdout", _stdout.ToString());
            }

            if (_stderr.Length > 0)
            {
                _emit(this, "stderr", _stderr.ToString());
            }

            _completed = true;
        }
    }
}
