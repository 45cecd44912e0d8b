using System.Globalization;
using System.Text.Json.Nodes;

namespace Kt.FakeKubeApi;

/// <summary>
/// The StatefulSet controller (podManagementPolicy Parallel, as Kt's SPMD ranks use): pods <c>name-0..N-1</c> owned by
/// the StatefulSet itself, labelled <c>apps.kubernetes.io/pod-index</c> and <c>statefulset.kubernetes.io/pod-name</c>;
/// a pod of an older template is deleted and comes back under the same name with the new one.
/// </summary>
public sealed partial class FakeApiServer
{
    private IEnumerable<(JsonObject StatefulSet, string Uid)> StatefulSets() =>
        _objects.Where(o => o.Key.ApiVersion == "apps/v1" && o.Key.Plural == "statefulsets")
            .Select(o => (o.Value.Object, (string)o.Value.Object["metadata"]!["uid"]!));

    private void ReconcileStatefulSets()
    {
        foreach (var (set, uid) in StatefulSets().ToList())
        {
            var name = (string)set["metadata"]!["name"]!;
            var ns = (string)set["metadata"]!["namespace"]!;
            var hash = TemplateHash(set);
            var replicas = (int?)set["spec"]?["replicas"] ?? 1;
            for (var ordinal = 0; ordinal < replicas; ordinal++)
            {
                var podName = $"{name}-{ordinal.ToString(CultureInfo.InvariantCulture)}";
                if (_pods.TryGetValue((ns, podName), out var existing))
                {
                    if (existing.TemplateHash != hash)
                    {
                        MarkDeleted(existing); // recreated under its name once it is gone
                    }

                    continue;
                }

                CreatePod(set, uid, hash, podName, ("StatefulSet", name), new()
                {
                    ["apps.kubernetes.io/pod-index"] = ordinal.ToString(CultureInfo.InvariantCulture),
                    ["statefulset.kubernetes.io/pod-name"] = podName,
                    ["controller-revision-hash"] = $"{name}-{hash}",
                });
            }

            foreach (var extra in _pods.Values.Where(p => p.OwnerUid == uid && Ordinal(p.Name, name) >= replicas).ToList())
            {
                MarkDeleted(extra);
            }
        }
    }

    private void UpdateStatefulSetStatus()
    {
        foreach (var (set, uid) in StatefulSets().ToList())
        {
            var hash = TemplateHash(set);
            var active = _pods.Values.Where(p => p.OwnerUid == uid && !Terminating(p)).ToList();
            var ready = active.Count(p => p.Ready);
            var status = new JsonObject
            {
                ["observedGeneration"] = (long?)set["metadata"]?["generation"] ?? 1,
                ["replicas"] = active.Count,
                ["updatedReplicas"] = active.Count(p => p.TemplateHash == hash),
                ["readyReplicas"] = ready,
                ["availableReplicas"] = ready,
                ["currentRevision"] = $"{set["metadata"]!["name"]}-{hash}",
                ["updateRevision"] = $"{set["metadata"]!["name"]}-{hash}",
            };
            if (!JsonNode.DeepEquals(set["status"], status))
            {
                set["status"] = status;
                set["metadata"]!["resourceVersion"] = NextVersion();
            }
        }
    }

    private static int Ordinal(string podName, string setName) =>
        int.TryParse(podName.AsSpan(setName.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal) ? ordinal : -1;
}
