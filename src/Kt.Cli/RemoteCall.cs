using System.Text.Json;
using Kt.DevLoop.Backends;
using Kt.PodRuntime.Client;

namespace Kt.Cli;

/// <summary><c>kt call</c>: one call on the service's first pod, found the way a deploy finds it.</summary>
internal static class RemoteCall
{
    /// <summary>The result as JSON text.</summary>
    public static async Task<string> CallAsync(ProjectDefinition definition, string rootNamespace, string target, string? argumentsJson,
        CancellationToken cancellationToken)
    {
        var dot = target.LastIndexOf('.');
        if (dot <= 0 || dot == target.Length - 1)
        {
            throw new KtException(CliErrors.BadCall, $"'{target}' is not Type.Method (e.g. Functions.Hello)");
        }

        var type = target[..dot].Contains('.', StringComparison.Ordinal) ? target[..dot] : $"{rootNamespace}.{target[..dot]}";
        object?[] args;
        try
        {
            args = string.IsNullOrWhiteSpace(argumentsJson)
                ? []
                : JsonSerializer.Deserialize<JsonElement[]>(argumentsJson)!.Cast<object?>().ToArray();
        }
        catch (JsonException e)
        {
            throw new KtException(CliErrors.BadCall, $"the arguments must be a JSON array, e.g. '[\"world\", 3]': {e.Message}");
        }

        using var backend = ComputeBackends.Create(definition.Compute.Backend, definition.Compute.Namespace, cluster: definition.Compute.Cluster);
        var pods = await backend.FindAsync(definition.Service, cancellationToken).ConfigureAwait(false)
            ?? throw new KtException(CliErrors.NotDeployed, $"{definition.Service} is not deployed on {backend.Name}: run kt deploy (or kt watch) first");
        using var client = new PodClient(pods.Pods[0].Address, pods.Pods[0].Token);
        var result = await client.CallAsync<JsonElement>(type, target[(dot + 1)..], args, cancellationToken: cancellationToken).ConfigureAwait(false);
        return result.ValueKind == JsonValueKind.Undefined ? "null" : result.GetRawText();
    }
}
