namespace Kt.PodRuntime.Ipc;

/// <summary>Message kinds on the server↔worker socket.</summary>
internal enum FrameKind : byte
{
    // server → worker
    Call = 1,
    Cancel = 2,
    Load = 3,
    ClassInit = 4,
    Credit = 5, // header: int64, output cost of the call that left the server (LogLimits.CallWindow)
    Delta = 6,

    // worker → server
    Result = 10,
    Log = 11,
    Loaded = 12,
    UnloadReport = 13,
    Hello = 14,
    DeltaApplied = 15,
    StreamBegin = 16, // the call's result is a stream: Item frames follow, then its Result
    Item = 17, // payload: one element of a stream result, as JSON
}
