namespace Kt.Core;

// What a deploy reports and the client exposes: here, so that the small client and the deploy side it loads on
// demand share one type (the deploy side's own assemblies stay out of the app).

/// <summary>One pod of a service: its rank, its name, where its runtime answers and the token it expects.</summary>
/// <param name="WorkDirectory">For pods on this machine: a folder command steps may use as their working directory.</param>
public sealed record PodEndpoint(int Rank, string Name, Uri Address, string Token, string? WorkDirectory = null);

/// <summary>Every pod of a service, in rank order, and how many were created (not found running) by this call.</summary>
/// <param name="TokenFile">Where the service's bearer token is kept on this machine (for a ready-to-paste call).</param>
public sealed record ServicePods(string Service, string Backend, IReadOnlyList<PodEndpoint> Pods, int Created, string? TokenFile = null);
