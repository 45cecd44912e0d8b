#!/usr/bin/env bash
# Real-cluster check of Kt's Kubernetes path, the way a user takes it, against the cluster of the current kubeconfig
# (or a kind cluster this script creates when there is none, or when KT_E2E_KIND=1):
#   A. the live loop: dotnet publish -p:KtDeploy=true -> dotnet run -> a one-line edit -> one added setup step ->
#      no change -> KtReplicas=2 (the second pod catches up) -> delete a pod (the replacement catches up) ->
#      -t:KtTeardown (nothing labelled app.kubernetes.io/managed-by=kt is left);
#   B. frozen: -p:KtFreeze=true -p:KtDeploy=true, a call through `kubectl port-forward` with the Secret's token, an
#      idempotent re-apply through the Kt API with the same Compute (pods must not restart), a call through
#      KubernetesClientApi.PortForwardAsync, teardown;
#   C. the ko-style manifests apply with plain kubectl (server-side dry-run first).
#
# NOT RUN in Kt's CI: the CI machines cannot start an API server (CI runs the same client code against the protocol
# fake in tests/support/Kt.FakeKubeApi). Needs docker (for kind), kubectl, curl and the .NET 10 SDK; from the
# repository root:   tests/kind/run-kind-e2e.sh
# Environment:
#   KT_E2E_REGISTRY  a registry this machine pushes to and the cluster pulls from (required for an existing cluster;
#                    with kind it is the local registry localhost:5001)
#   KT_E2E_KIND=1    create a kind cluster (name KIND_CLUSTER, default kt-e2e) even when a kubeconfig exists
#   KT_E2E_BASE      base image (default mcr.microsoft.com/dotnet/runtime:10.0, as the template)
#   KT_E2E_NAMESPACE namespace to use (default kt-e2e; created when missing)
#   KEEP_CLUSTER=1   keep a kind cluster and its registry afterwards
set -euo pipefail

cluster="${KIND_CLUSTER:-kt-e2e}"
base="${KT_E2E_BASE:-mcr.microsoft.com/dotnet/runtime:10.0}"
namespace="${KT_E2E_NAMESPACE:-kt-e2e}"
service="kt-e2e-hello"
repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
made_kind=0
forward_pid=""

fail() { echo "run-kind-e2e: $*" >&2; exit 1; }

cleanup() {
  [[ -n "$forward_pid" ]] && kill "$forward_pid" 2>/dev/null || true
  if [[ "$made_kind" == "1" && "${KEEP_CLUSTER:-0}" != "1" ]]; then
    kind delete cluster --name "$cluster" >/dev/null 2>&1 || true
    docker rm -f kt-e2e-registry >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

for tool in kubectl dotnet curl; do
  command -v "$tool" >/dev/null || fail "'$tool' is required"
done

# Condition polling: up to $1 tries of $2, half a second apart.
wait_for() {
  local tries="$1"; shift
  for _ in $(seq 1 "$tries"); do "$@" && return 0; sleep 0.5; done
  return 1
}

if [[ "${KT_E2E_KIND:-0}" == "1" ]] || ! kubectl config current-context >/dev/null 2>&1; then
  for tool in docker kind; do command -v "$tool" >/dev/null || fail "no cluster in the kubeconfig, and '$tool' is needed to make one"; done
  # kind's documented local-registry setup: the host pushes to localhost:5001, the nodes pull it through containerd.
  docker inspect kt-e2e-registry >/dev/null 2>&1 || docker run -d --restart=always -p 127.0.0.1:5001:5000 --network bridge --name kt-e2e-registry registry:2 >/dev/null
  if ! kind get clusters | grep -qx "$cluster"; then
    printf '%s\n' 'kind: Cluster' 'apiVersion: kind.x-k8s.io/v1alpha4' 'containerdConfigPatches:' '- |-' \
      '  [plugins."io.containerd.grpc.v1.cri".registry]' '    config_path = "/etc/containerd/certs.d"' > "$work/kind.yaml"
    kind create cluster --name "$cluster" --config "$work/kind.yaml" --wait 120s
    made_kind=1
  fi
  for node in $(kind get nodes --name "$cluster"); do
    docker exec "$node" mkdir -p /etc/containerd/certs.d/localhost:5001
    printf '[host."http://kt-e2e-registry:5000"]\n' | docker exec -i "$node" cp /dev/stdin /etc/containerd/certs.d/localhost:5001/hosts.toml
  done
  docker network connect kind kt-e2e-registry 2>/dev/null || true
  export KUBECONFIG="$work/kubeconfig"
  kind get kubeconfig --name "$cluster" > "$KUBECONFIG"
  registry="localhost:5001"
else
  registry="${KT_E2E_REGISTRY:?set KT_E2E_REGISTRY to a registry this machine pushes to and the cluster pulls from}"
fi
echo "run-kind-e2e: cluster $(kubectl config current-context), registry $registry, namespace $namespace"
kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f - >/dev/null

# The packages as users get them, and a project from the template (dotnet new -n makes the folder Hello/).
"$repo_root/build.sh" pack
version="$(ls "$repo_root"/artifacts/packages/Kt.MSBuild.*.nupkg | sed -E 's/.*Kt\.MSBuild\.(.*)\.nupkg/\1/' | sort -V | tail -1)"
dotnet new install "$repo_root/artifacts/packages/Kt.Templates.$version.nupkg" --force >/dev/null
(cd "$work" && dotnet new kt-project -n Hello --force >/dev/null)
project="$work/Hello"
csproj="$project/Hello.csproj"
[[ -f "$csproj" ]] || fail "the template made no $csproj"
cat > "$work/nuget.config" <<XML
<configuration><packageSources><add key="kt" value="$repo_root/artifacts/packages" /></packageSources></configuration>
XML
# The cluster settings go into the csproj, where users put them (the template's values are the process backend's).
sed -i -e "s|<KtCompute>process</KtCompute>|<KtCompute>kubernetes</KtCompute><KtNamespace>$namespace</KtNamespace><ContainerRegistry>$registry</ContainerRegistry><ContainerRepository>kt-e2e/hello</ContainerRepository>|" \
  -e "s|<KtService>[^<]*</KtService>|<KtService>$service</KtService>|" -e "s|<KtBaseImage>[^<]*</KtBaseImage>|<KtBaseImage>$base</KtBaseImage>|" "$csproj"
grep -q "<KtCompute>kubernetes</KtCompute>" "$csproj" || fail "could not set KtCompute in $csproj"

publish() { dotnet publish "$project" -c Release -p:KtDeploy=true "$@" 2>&1 | tee "$work/publish.log"; [[ "${PIPESTATUS[0]}" == "0" ]] || fail "publish failed"; }
run_app() { (cd "$project" && dotnet run -c Release) 2>&1 | tee "$work/run.log"; }
ready_pods() { kubectl -n "$namespace" get pods -l "kt.dev/service=$service" -o jsonpath='{range .items[?(@.status.containerStatuses[0].ready==true)]}{.metadata.name}{"\n"}{end}' | grep -c . || true; }

# A. The live loop.
publish
grep -q "serving as Service $service" "$work/publish.log" || fail "no 'serving as Service' line"
grep -q "kubectl -n $namespace port-forward svc/$service" "$work/publish.log" || fail "no kubectl port-forward line"
run_app; grep -q "Hello, world!" "$work/run.log" || fail "dotnet run did not print the greeting"

sed -i 's/return \$"{prefix}, {name}!";/return $"{prefix}, {name}! (edited)";/' "$project/Functions.cs"
publish; grep -q "setup 0 steps" "$work/publish.log" || fail "a code edit ran setup steps"
run_app; grep -q "Hello, world! (edited)" "$work/run.log" || fail "the edit did not reach the pods"

sed -i 's|<KtSetup Include="env" Name="GREETING_PREFIX" Value="Hello" />|&<KtSetup Include="env" Name="KT_E2E_STEP" Value="1" />|' "$csproj"
publish; grep -q "setup 1 step " "$work/publish.log" || fail "adding one setup step did not run exactly one"
publish; grep -q "setup 0 steps" "$work/publish.log" && grep -q "sync 0/" "$work/publish.log" || fail "a deploy without change did something"

sed -i "s|<KtReplicas>1</KtReplicas>|<KtReplicas>2</KtReplicas>|" "$csproj"
publish; grep -q "2 pods" "$work/publish.log" || fail "KtReplicas=2 did not give two pods"
victim="$(kubectl -n "$namespace" get pods -l "kt.dev/service=$service" -o jsonpath='{.items[0].metadata.name}')"
kubectl -n "$namespace" delete pod "$victim" --wait=false
wait_for 360 bash -c "[[ \$(kubectl -n $namespace get pods -l kt.dev/service=$service --field-selector=status.phase=Running -o name | grep -v $victim | wc -l) -ge 2 ]]" || fail "the deleted pod was not replaced"
wait_for 360 bash -c "[[ \$(kubectl -n $namespace get pods -l kt.dev/service=$service -o jsonpath='{range .items[*]}{.status.containerStatuses[0].ready}{\"\\n\"}{end}' | grep -c true) -ge 2 ]]" || fail "the replacement pod never became ready (did it catch up?)"
publish; grep -q "setup 0 steps" "$work/publish.log" && grep -q "sync 0/" "$work/publish.log" || fail "the replacement had not caught up by itself"
run_app; grep -q "(edited)" "$work/run.log" || fail "calls after the replacement failed"

dotnet build "$project" -c Release -t:KtTeardown
left="$(kubectl get deployments,services,secrets,pods -A -l app.kubernetes.io/managed-by=kt -o name 2>/dev/null | grep -v '^pod/' || true)"
[[ -z "$left" ]] || fail "teardown left: $left"

# B. Frozen to production.
sed -i "s|<KtReplicas>2</KtReplicas>|<KtReplicas>1</KtReplicas>|" "$csproj"
publish -p:KtFreeze=true -p:ContainerImageTags=e2e
grep -q "pod(s) ready" "$work/publish.log" || fail "the frozen deploy did not report ready pods"
image="$(grep -o "$registry/kt-e2e/hello@sha256:[0-9a-f]*" "$work/publish.log" | head -1)"
[[ -n "$image" ]] || fail "no pinned image in the publish output"
token="$(kubectl -n "$namespace" get secret "$service-kt-token" -o jsonpath='{.data.token}' | base64 -d)"
kubectl -n "$namespace" port-forward "svc/$service" 32300:32300 >/dev/null 2>&1 &
forward_pid=$!
wait_for 50 curl -fs http://127.0.0.1:32300/health -o /dev/null || fail "kubectl port-forward never answered"
answer="$(curl -fsS -H "Authorization: Bearer $token" -d '{"args":["kind"]}' "http://127.0.0.1:32300/fn/Hello.Functions/Hello")"
echo "answer: $answer"
[[ "$answer" == *"kind! (edited)"* ]] || fail "unexpected answer: $answer"
kill "$forward_pid"; forward_pid=""

# Through the Kt API with the same Compute and context the frozen deploy used (from the published definition), so
# the pod template is the same and only the per-deploy annotation changes.
mkdir -p "$work/e2e"
cat > "$work/e2e/e2e.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings><Nullable>enable</Nullable>
  <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup>
  <ItemGroup><ProjectReference Include="$repo_root/src/Kt.Kubernetes/Kt.Kubernetes.csproj" /></ItemGroup>
</Project>
XML
cat > "$work/e2e/Program.cs" <<CS
using Kt.Core;
using Kt.Kubernetes.Api;
using Kt.Kubernetes.Deploy;
using Kt.Kubernetes.Model;
using Kt.Kubernetes.Rendering;

var api = KubernetesClientApi.FromDefaultConfig();
var deployer = new Deployer(api);
if (args.Contains("--teardown"))
{
    foreach (var r in await deployer.TeardownAsync("$service", "$namespace")) Console.WriteLine("deleted " + r);
    return;
}

var project = ProjectDefinitionFile.Read("$project/bin/Release/net10.0/publish/kt.definition.json", "KT6004");
var compute = ProjectCompute.From(project, "$image");
var context = FrozenManifests.Context(project) with { DeployAnnotations = new Dictionary<string, string> { ["kt.dev/code-version"] = "e2e-2" } };
var result = await deployer.DeployAsync(compute, context);
Console.WriteLine("ready again: " + string.Join(", ", result.ReadyPods));
await using (var forward = await api.PortForwardAsync("$namespace", result.ReadyPods[0], PodRuntimeLayout.Port, 0))
{
    using var http = new HttpClient();
    for (var i = 0; i < 20; i++) // kept alive: every request on one forwarded connection
    {
        await http.GetStringAsync(\$"http://127.0.0.1:{forward.LocalPort}/health");
    }

    Console.WriteLine("health through the Kt port-forward: 20 kept-alive requests answered");
}
CS
pods_before="$(kubectl -n "$namespace" get pods -l "kt.dev/service=$service" -o jsonpath='{.items[*].metadata.uid}')"
dotnet run --project "$work/e2e" -c Release
pods_after="$(kubectl -n "$namespace" get pods -l "kt.dev/service=$service" -o jsonpath='{.items[*].metadata.uid}')"
[[ -n "$pods_before" && "$pods_before" == "$pods_after" ]] || fail "the re-apply replaced pods ($pods_before -> $pods_after)"
dotnet run --project "$work/e2e" -c Release -- --teardown

# C. The ko-style manifests apply as written (after the one-time Secret their header names).
manifests="$(ls "$project"/bin/Release/net10.0/publish/kt-manifests/*.yaml)"
kubectl -n "$namespace" create secret generic "$service-kt-token" --from-literal=token="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
kubectl apply --dry-run=server -f "$manifests"
kubectl apply -f "$manifests"
kubectl -n "$namespace" rollout status "deployment/$service" --timeout=180s
kubectl delete -f "$manifests"
kubectl -n "$namespace" delete secret "$service-kt-token"
echo "run-kind-e2e: OK"
