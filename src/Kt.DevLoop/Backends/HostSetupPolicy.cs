using Kt.PodRuntime.Protocol;

namespace Kt.DevLoop.Backends;

/// <summary>
/// The process backend's pods share this machine. Steps that would change it for everybody (system packages, files at
/// absolute paths, another user) are refused unless the user opts in; command steps (and user code, when the
/// definition names a working directory) run in the pod's own work folder instead of the image's working directory
/// (which usually does not exist here).
/// </summary>
internal static class HostSetupPolicy
{
    private static readonly HashSet<string> HostChanging = new(StringComparer.Ordinal) { StepKinds.Apt, StepKinds.Pip, StepKinds.DotnetTool, StepKinds.Copy, StepKinds.Sync, StepKinds.User };

    /// <summary>KT7xxx for the first step that would change this machine, unless the user opted in.</summary>
    public static void Refuse(ServiceSpec spec, IEnumerable<(string Kind, string Description)> steps)
    {
        if (!spec.AllowHostSetup && steps.FirstOrDefault(s => HostChanging.Contains(s.Kind)) is { Kind: not null } refused)
        {
            throw new KtException(DevLoopErrors.HostSetupRefused,
                $"the process backend runs on this machine, and the step '{refused.Description}' ({refused.Kind}) would change it. "
                + "Set KtAllowHostSetup=true (Compute.AllowHostSetup) to run it here anyway, or deploy with KtCompute=docker.");
        }
    }

    public static LivePlan Adapt(LivePlan plan, ServiceSpec spec, PodEndpoint pod)
    {
        if (spec.AllowHostSetup)
        {
            return plan;
        }

        Refuse(spec, plan.Steps.Select(s => (s.Kind, s.Description)));

        // User code runs in the app folder unless the definition names a working directory (which would not exist here).
        var work = pod.WorkDirectory;
        return plan with
        {
            WorkingDirectory = plan.WorkingDirectory is null ? null : work,
            User = null,
            Steps = plan.Steps.Select(s => s with { WorkingDirectory = s.Shell is null ? s.WorkingDirectory : work, User = null }).ToList(),
        };
    }
}
