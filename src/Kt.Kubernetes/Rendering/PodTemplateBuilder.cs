using k8s.Models;
using Kt.Core;
using Kt.Kubernetes.Model;
using Kt.PodRuntime.Protocol;

namespace Kt.Kubernetes.Rendering;

/// <summary>
/// Builds the pod template shared by every workload kind: the runtime container, resources, probes, volumes and
/// scheduling. Only the runtime (command, image, env) and compute shape it; per-deploy data never does.
/// </summary>
internal static class PodTemplateBuilder
{
    public const string ContainerName = "kt";
    /// <summary>The runtime's unauthenticated readiness path (yes/no only).</summary>
    public const string ReadinessPath = "/health/ready";

    private const int ProbePeriodSeconds = 5;

    public static V1PodTemplateSpec Build(
        Compute compute,
        RenderContext context,
        IReadOnlyDictionary<string, string> podLabels,
        IEnumerable<V1EnvVar>? extraEnv = null,
        IEnumerable<V1ContainerPort>? extraPorts = null,
        string containerName = ContainerName) => new()
        {
            Metadata = new V1ObjectMeta
            {
                Labels = new Dictionary<string, string>(podLabels),
                Annotations = compute.Annotations.Count == 0 ? null : new Dictionary<string, string>(compute.Annotations),
            },
            Spec = BuildPodSpec(compute, context, extraEnv, extraPorts, containerName),
        };

    public static V1PodSpec BuildPodSpec(
        Compute compute,
        RenderContext context,
        IEnumerable<V1EnvVar>? extraEnv = null,
        IEnumerable<V1ContainerPort>? extraPorts = null,
        string containerName = ContainerName) => new()
        {
            Containers = [BuildContainer(compute, context, extraEnv, extraPorts, containerName)],
            Volumes = NullIfEmpty(BuildVolumes(compute)),
            NodeSelector = NullIfEmpty(BuildNodeSelector(compute)),
            Tolerations = NullIfEmpty(BuildTolerations(compute)),
            Affinity = BuildAffinity(compute),
            ServiceAccountName = compute.ServiceAccount,
            PriorityClassName = compute.PriorityClass,
        };

    public static V1Container BuildContainer(
        Compute compute,
        RenderContext context,
        IEnumerable<V1EnvVar>? extraEnv,
        IEnumerable<V1ContainerPort>? extraPorts,
        string containerName)
    {
        var launch = Launch(compute, context).Write();
        return new V1Container
        {
            Name = containerName,
            Image = compute.Image,
            ImagePullPolicy = compute.Cluster.ImagePullPolicy?.ToString(),
            Command = context.Command.ToList(),
            Args = NullIfEmpty(launch.Arguments.ToList()),
            Env = NullIfEmpty(BuildEnv(compute, context, launch.Environment, extraEnv)),
            EnvFrom = NullIfEmpty(compute.Secrets
                .Where(s => s.Mode == SecretMode.Environment)
                .Select(s => new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = s.SecretName } })
                .ToList()),
            Ports = [new V1ContainerPort { Name = "http", ContainerPort = compute.Port, Protocol = "TCP" }, .. extraPorts ?? []],
            Resources = BuildResources(compute),
            StartupProbe = Probe("/health", compute, StartupFailureThreshold(compute.LaunchTimeout)),
            LivenessProbe = Probe("/health", compute, failureThreshold: 3),
            // The kubelet cannot send the bearer token: the runtime answers this bare readiness path without it.
            ReadinessProbe = Probe(ReadinessPath, compute, failureThreshold: 1),
            VolumeMounts = NullIfEmpty(BuildVolumeMounts(compute)),
        };
    }

    /// <summary>The startup probe tolerates <c>launchTimeout / 5 s</c> failures (rounded up), at least one.</summary>
    public static int StartupFailureThreshold(TimeSpan launchTimeout) =>
        Math.Max(1, (int)Math.Ceiling(launchTimeout.TotalSeconds / ProbePeriodSeconds));

    private static V1Probe Probe(string path, Compute compute, int failureThreshold) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = compute.Port },
        PeriodSeconds = ProbePeriodSeconds,
        TimeoutSeconds = 2,
        FailureThreshold = failureThreshold,
    };

    /// <summary>
    /// What every pod of the service is started with: the context's launch, the service's name and, for SPMD ranks, the
    /// world and its master (rank 0's stable name). Each pod's own name and ordinal rank come from the downward API.
    /// </summary>
    internal static RuntimeLaunch Launch(Compute compute, RenderContext context)
    {
        var launch = context.Launch with { Service = compute.ServiceName };
        return compute.Distribute is { Kind: DistributeKind.Spmd } spmd
            ? launch with { WorldSize = spmd.Workers, LocalRank = 0, MasterAddr = SpmdRenderer.MasterAddress(compute), MasterPort = spmd.MasterPort }
            : launch;
    }

    private static List<V1EnvVar> BuildEnv(Compute compute, RenderContext context, IReadOnlyDictionary<string, string> launch, IEnumerable<V1EnvVar>? extraEnv)
    {
        // Sorted so that the same input always renders the same template (a reordering must not restart pods).
        var literal = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in context.Environment.Concat(launch))
        {
            literal[name] = value;
        }

        var env = literal.Select(e => new V1EnvVar { Name = e.Key, Value = e.Value }).ToList();
        env.Add(new V1EnvVar
        {
            // The runtime refuses to start without a token; the deployer creates this Secret before any workload.
            Name = RuntimeLaunch.Variables.Token,
            ValueFrom = new V1EnvVarSource
            {
                SecretKeyRef = new V1SecretKeySelector { Name = PodRuntimeLayout.TokenSecretName(compute.ServiceName), Key = PodRuntimeLayout.TokenSecretKey },
            },
        });
        env.Add(new V1EnvVar
        {
            Name = RuntimeLaunch.Variables.PodName,
            // apiVersion as the server defaults it: YAML applied under another field manager then agrees with Kt's.
            ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { ApiVersion = "v1", FieldPath = "metadata.name" } },
        });
        env.AddRange(extraEnv ?? []);
        return env;
    }

    private static V1ResourceRequirements? BuildResources(Compute compute)
    {
        var requests = new Dictionary<string, ResourceQuantity>();
        var limits = new Dictionary<string, ResourceQuantity>();
        AddQuantity(requests, "cpu", compute.Cpus);
        AddQuantity(requests, "memory", compute.Memory);
        AddQuantity(requests, "ephemeral-storage", compute.Disk);
        AddQuantity(limits, "cpu", compute.CpusLimit);
        AddQuantity(limits, "memory", compute.MemoryLimit);
        AddQuantity(limits, "ephemeral-storage", compute.DiskLimit);
        if (compute.Gpus > 0)
        {
            // Extended resources cannot be overcommitted: the limit is required and the request must equal it.
            var gpus = compute.Gpus.ToString(System.Globalization.CultureInfo.InvariantCulture);
            AddQuantity(requests, KtLabels.GpuResource, gpus);
            AddQuantity(limits, KtLabels.GpuResource, gpus);
        }

        return requests.Count == 0 && limits.Count == 0
            ? null
            : new V1ResourceRequirements { Requests = NullIfEmpty(requests), Limits = NullIfEmpty(limits) };
    }

    private static void AddQuantity(Dictionary<string, ResourceQuantity> target, string name, string? value)
    {
        if (value is not null)
        {
            target[name] = new ResourceQuantity(value);
        }
    }

    private static List<V1Volume> BuildVolumes(Compute compute)
    {
        var volumes = new List<V1Volume>();
        if (compute.SharedMemorySize is { } shm)
        {
            volumes.Add(new V1Volume
            {
                Name = "dshm",
                EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new ResourceQuantity(shm) },
            });
        }

        foreach (var secret in compute.Secrets.Where(s => s.Mode == SecretMode.Volume))
        {
            volumes.Add(new V1Volume
            {
                Name = SecretVolumeName(secret),
                Secret = new V1SecretVolumeSource { SecretName = secret.SecretName },
            });
        }

        foreach (var pvc in compute.Volumes)
        {
            volumes.Add(new V1Volume
            {
                Name = PvcVolumeName(pvc),
                PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = pvc.ClaimName, ReadOnlyProperty = pvc.ReadOnly ? true : null },
            });
        }

        return volumes;
    }

    private static List<V1VolumeMount> BuildVolumeMounts(Compute compute)
    {
        var mounts = new List<V1VolumeMount>();
        if (compute.SharedMemorySize is not null)
        {
            mounts.Add(new V1VolumeMount { Name = "dshm", MountPath = "/dev/shm" });
        }

        foreach (var secret in compute.Secrets.Where(s => s.Mode == SecretMode.Volume))
        {
            mounts.Add(new V1VolumeMount
            {
                Name = SecretVolumeName(secret),
                MountPath = secret.MountPath ?? $"/kt/secrets/{secret.SecretName}",
                ReadOnlyProperty = true,
            });
        }

        foreach (var pvc in compute.Volumes)
        {
            mounts.Add(new V1VolumeMount { Name = PvcVolumeName(pvc), MountPath = pvc.MountPath, ReadOnlyProperty = pvc.ReadOnly ? true : null });
        }

        return mounts;
    }

    // Volume names must be DNS-1123 labels; Secret/PVC names may be longer subdomains, so shorten deterministically.
    private static string SecretVolumeName(SecretMount secret) => VolumeName("secret", secret.SecretName);

    private static string PvcVolumeName(PvcVolume pvc) => VolumeName("pvc", pvc.ClaimName);

    private static string VolumeName(string prefix, string name)
    {
        var candidate = $"{prefix}-{name.Replace('.', '-')}";
        if (candidate.Length <= 63)
        {
            return candidate;
        }

        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)))[..8];
        return $"{candidate[..(63 - 9)].TrimEnd('-')}-{hash}";
    }

    private static Dictionary<string, string> BuildNodeSelector(Compute compute)
    {
        var selector = new Dictionary<string, string>(compute.NodeSelector);
        if (compute.GpuType is { } product)
        {
            selector[KtLabels.GpuProduct] = product;
        }

        return selector;
    }

    private static List<V1Toleration> BuildTolerations(Compute compute)
    {
        var tolerations = compute.Tolerations
            .Select(t => new V1Toleration
            {
                Key = t.Key,
                OperatorProperty = t.Operator ?? (t.Value is null ? "Exists" : "Equal"),
                Value = t.Value,
                Effect = t.Effect,
            })
            .ToList();
        if (compute.Gpus > 0 && !tolerations.Any(t => t.Key == KtLabels.GpuResource))
        {
            tolerations.Add(new V1Toleration { Key = KtLabels.GpuResource, OperatorProperty = "Exists", Effect = "NoSchedule" });
        }

        return tolerations;
    }

    private static V1Affinity? BuildAffinity(Compute compute)
    {
        if (!compute.GpuAntiAffinity && !compute.Cluster.GpuAntiAffinity)
        {
            return null;
        }

        if (compute.Gpus == 0)
        {
            // Kubetorch's gpu_anti_affinity: a service that wants no GPU is kept off GPU nodes, required as Kubetorch has it.
            return new V1Affinity
            {
                NodeAffinity = new V1NodeAffinity
                {
                    RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                    {
                        NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "nvidia.com/gpu.count", OperatorProperty = "DoesNotExist" }] }],
                    },
                },
            };
        }

        // Preferred, not required: a required rule would leave replicas Pending on a cluster with fewer GPU nodes.
        return new V1Affinity
        {
            PodAntiAffinity = new V1PodAntiAffinity
            {
                PreferredDuringSchedulingIgnoredDuringExecution =
                [
                    new V1WeightedPodAffinityTerm
                    {
                        Weight = 100,
                        PodAffinityTerm = new V1PodAffinityTerm
                        {
                            TopologyKey = "kubernetes.io/hostname",
                            LabelSelector = new V1LabelSelector
                            {
                                MatchLabels = new Dictionary<string, string> { [KtLabels.Service] = compute.ServiceName },
                            },
                        },
                    },
                ],
            },
        };
    }

    private static List<T>? NullIfEmpty<T>(List<T> list) => list.Count == 0 ? null : list;

    private static Dictionary<TKey, TValue>? NullIfEmpty<TKey, TValue>(Dictionary<TKey, TValue> map)
        where TKey : notnull => map.Count == 0 ? null : map;
}
