namespace Kt.PodRuntime.Protocol;

/// <summary>The KT4xxx codes of the pod runtime, one home for server and client (meanings in docs/errors-runtime.md).</summary>
public static class RuntimeErrorCodes
{
    public const string InvalidOptions = "KT4000";
    public const string Unauthorized = "KT4001";
    public const string MalformedRequest = "KT4002";
    public const string BodyTooLarge = "KT4003";
    public const string RouteNotFound = "KT4004";
    public const string MethodNotAllowed = "KT4005";

    public const string StalePlan = "KT4010";
    public const string StepFailed = "KT4011";
    public const string InvalidPlan = "KT4012";
    public const string FileStepBlobMissing = "KT4013";
    public const string PlanInProgress = "KT4014";
    public const string UserSwitchUnsupported = "KT4015";
    public const string RecreateRequired = "KT4016";

    public const string InvalidPath = "KT4020";
    public const string DuplicatePath = "KT4021";
    public const string BlobTooLarge = "KT4022";
    public const string HashMismatch = "KT4023";
    public const string UnknownBlob = "KT4024";
    public const string InvalidVersionId = "KT4025";
    public const string SymlinkEscape = "KT4026";
    public const string InvalidDigest = "KT4027";
    public const string SizeMismatch = "KT4028";

    public const string TypeNotFound = "KT4030";
    public const string MethodNotFound = "KT4031";
    public const string BadArguments = "KT4032";
    public const string UserException = "KT4033";
    public const string NoActiveVersion = "KT4034";
    public const string WorkerCrashed = "KT4035";
    public const string Terminating = "KT4036";
    public const string CallTimeout = "KT4037";
    public const string ResultTooLarge = "KT4038";
    public const string WorkerUnavailable = "KT4039";

    /// <summary>The worker was killed by the kernel's OOM killer (its cgroup counted the kill): limit and peak in the message.</summary>
    public const string WorkerOutOfMemory = "KT4044";

    public const string AppNotConfigured = "KT4040";
    public const string AppUnreachable = "KT4041";

    public const string BodiesInFlight = "KT4045";
    public const string TooManyEntries = "KT4046";
    public const string WorkerRecycled = "KT4047";

    public const string FrozenPod = "KT4050";
    public const string NothingToReplay = "KT4051";
    public const string RootNotWritable = "KT4052";
    public const string RootInUse = "KT4053";

    /// <summary><c>/sync/deploy/changes</c>: the pod's active manifest is not the base the changes were made against.</summary>
    public const string ChangesBaseMismatch = "KT4054";

    /// <summary><c>/sync/deploy(/changes)</c>: the pod's journal is not the one the client planned the setup against.</summary>
    public const string JournalChanged = "KT4055";

    /// <summary>The worker's runtime cannot apply IL deltas (not started modifiable, or the assembly is not debuggable).</summary>
    public const string DeltaUnsupported = "KT4070";

    /// <summary>The delta is for another version or module than the worker serves (a peer is ahead or behind).</summary>
    public const string DeltaBaseMismatch = "KT4071";

    /// <summary>The runtime refused the delta (ApplyUpdate threw) or calls did not drain in time; the code is unchanged.</summary>
    public const string DeltaRefused = "KT4072";

    public const string Internal = "KT4099";

    /// <summary>Client side: the pod did not become ready (with the version asked for) in time.</summary>
    public const string NotReady = "KT4060";
}
