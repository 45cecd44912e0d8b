using System.Text.Json;
using Kt.DevLoop.Backends;
using Kt.PodRuntime.Client;
using Kt.PodRuntime.Protocol;

namespace Kt.Cli;

/// <summary><c>kt call</c>: one call on the service's first pod, found the way a deploy finds it.</summary>
internal static class RemoteCall
{
    /// <summary>
    /// Prints the result as JSON text; a result that is a stream (<c>IAsyncEnumerable&lt;T&gt;</c>, a lazy
    /// <c>IEnumerable&lt;T&gt;</c>) one element per line, each as it arrives.
    /// </summary>
    public static async Task CallAsync(ProjectDefinition definition, string rootNamespace, string target, string? argumentsJson,
        Action<string> print, CancellationToken cancellationToken)
    {
        var dot = target.LastIndexOf('.');
        if (dot <= 0 || dot == target.Length - 1)
        {
            throw new KtException(CliErrors.BadCall, $"'{target}' is not Type.Method (e.g. Functions.Hello)");
        }

        var type = target[..dot].Contains('.', StringComparison.Ordinal) ? target[..dot] : $"{rootNamespace}.{target[..dot]}";
        JsonElement[] args;
        try
        {
            args = string.IsNullOrWhiteSpace(argumentsJson) ? [] : JsonSerializer.Deserialize<JsonElement[]>(argumentsJson)!;
        }
        catch (JsonException e)
        {
            throw new KtException(CliErrors.BadCall, $"the arguments must be a JSON array, e.g. '[\"world\", 3]': {e.Message}");
        }

        using var backend = ComputeBackends.Create(definition.Compute.Backend, definition.Compute.Namespace, cluster: definition.Compute.Cluster);
        var pods = await backend.FindAsync(definition.Service, cancellationToken).ConfigureAwait(false)
            ?? throw new KtException(CliErrors.NotDeployed, $"{definition.Service} is not deployed on {backend.Name}: run kt deploy (or kt watch) first");
        using var client = new PodClient(pods.Pods[0].Address, pods.Pods[0].Token);
        var body = new StringContent($"{{\"args\":{JsonSerializer.Serialize(args)},\"kwargs\":{{}}}}", System.Text.Encoding.UTF8, "application/json");
        await foreach (var value in client.CallValuesAsync(PodRoutes.FunctionOf(type, target[(dot + 1)..]), body, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            print(value.Value.ValueKind == JsonValueKind.Undefined ? "null" : value.Value.GetRawText());
        }
    }
}
