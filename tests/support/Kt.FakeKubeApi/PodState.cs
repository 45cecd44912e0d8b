using System.Globalization;
using System.Text.Json.Nodes;

namespace Kt.FakeKubeApi;

/// <summary>What the fake's scheduler and kubelet know about one pod; <see cref="RenderStatus"/> writes its <c>status</c>.</summary>
internal sealed class PodState(string @namespace, string name, string ownerUid, string templateHash)
{
    public string Namespace { get; } = @namespace;

    public string Name { get; } = name;

    /// <summary>The uid of the Deployment whose template made this pod.</summary>
    public string OwnerUid { get; } = ownerUid;

    public string TemplateHash { get; } = templateHash;

    public bool Scheduled { get; set; }

    public string? UnschedulableMessage { get; set; }

    public string? WaitingReason { get; set; } = "ContainerCreating";

    public string? WaitingMessage { get; set; }

    public Task<IPodProcess>? Starting { get; set; }

    public IPodProcess? Process { get; set; }

    public bool Ready { get; set; }

    public int RestartCount { get; set; }

    public bool Stopping { get; set; }

    /// <summary>A client has listed this pod's events (a transient failure it was meant to see has been seen).</summary>
    public bool EventsListed { get; set; }

    /// <summary>The transient FailedMount (<see cref="FakeApiServer.TransientMountFailure"/>) has cleared for this pod.</summary>
    public bool MountSynced { get; set; }

    public DateTime NextProbe { get; set; }

    public string StartTime { get; } = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public JsonObject RenderStatus(string containerName, string image)
    {
        // A pod the scheduler has not looked at yet has no conditions at all.
        var conditions = new JsonArray();
        if (Scheduled || UnschedulableMessage is not null)
        {
            conditions.Add(Condition("PodScheduled", Scheduled, Scheduled ? null : "Unschedulable", UnschedulableMessage));
        }

        var status = new JsonObject { ["phase"] = Process is null ? "Pending" : "Running", ["conditions"] = conditions, ["qosClass"] = "Burstable" };
        if (!Scheduled)
        {
            return status;
        }

        conditions.Add(Condition("Initialized", true));
        conditions.Add(Condition("ContainersReady", Ready, Ready ? null : "ContainersNotReady"));
        conditions.Add(Condition("Ready", Ready, Ready ? null : "ContainersNotReady"));
        status["hostIP"] = "10.0.0.10";
        status["podIP"] = "10.244.0." + (Math.Abs(Name.GetHashCode(StringComparison.Ordinal)) % 250 + 2).ToString(CultureInfo.InvariantCulture);
        status["startTime"] = StartTime;
        var state = WaitingReason is null
            ? new JsonObject { ["running"] = new JsonObject { ["startedAt"] = StartTime } }
            : new JsonObject { ["waiting"] = WaitingMessage is null ? new JsonObject { ["reason"] = WaitingReason } : new JsonObject { ["reason"] = WaitingReason, ["message"] = WaitingMessage } };
        var container = new JsonObject
        {
            ["name"] = containerName,
            ["image"] = image,
            ["imageID"] = "",
            ["ready"] = Ready,
            ["restartCount"] = RestartCount,
            ["started"] = WaitingReason is null,
            ["state"] = state,
        };
        if (RestartCount > 0)
        {
            container["lastState"] = new JsonObject { ["terminated"] = new JsonObject { ["reason"] = "Error", ["exitCode"] = 1 } };
        }

        status["containerStatuses"] = new JsonArray(container);
        return status;
    }

    public async Task StopAsync()
    {
        var process = Process ?? (Starting is { IsCompletedSuccessfully: true } started ? started.Result : null);
        if (process is not null)
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static JsonObject Condition(string type, bool status, string? reason = null, string? message = null)
    {
        var condition = new JsonObject { ["type"] = type, ["status"] = status ? "True" : "False" };
        if (reason is not null)
        {
            condition["reason"] = reason;
        }

        if (message is not null)
        {
            condition["message"] = message;
        }

        return condition;
    }
}
