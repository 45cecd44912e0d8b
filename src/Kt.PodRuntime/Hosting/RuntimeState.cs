namespace Kt.PodRuntime.Hosting;

/// <summary>Flags the endpoints consult: setup outcome and termination.</summary>
public sealed class RuntimeState
{
    private volatile bool _terminating;
    private volatile string _setup = SetupStates.None;

    public bool Terminating => _terminating;

    /// <summary>True while a new pod catches up with a peer: not ready until then (calls would see old or no code).</summary>
    public bool CatchingUp { get; set; }

    /// <summary>none (no plan applied yet), applying, ok or failed.</summary>
    public string Setup
    {
        get => _setup;
        set => _setup = value;
    }

    public bool SetupActive => _setup is SetupStates.None or SetupStates.Ok;

    public void BeginTermination() => _terminating = true;

    private readonly TaskCompletionSource _readyAnswered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once a readiness probe (<c>/ready</c> or <c>/health/ready</c>) has been answered "ready".</summary>
    public Task FirstReadyAnswer => _readyAnswered.Task;

    public void NoteReadyAnswered() => _readyAnswered.TrySetResult();
}
