#!/usr/bin/env bash
# Real-cluster check of Kt's Kubernetes path on kind, the way a user takes it:
#   1. dotnet publish -p:KtDeploy=true -p:KtFreeze=true with KtCompute=kubernetes: freeze the service image (setup
#      steps, pod runtime, app), push it to a registry the cluster pulls from, server-side apply the frozen manifests
#      (field manager "kt"), wait for ready pods;
#   2. call a function through `kubectl port-forward` with the token from the Secret Kt created;
#   3. through the Kt API: re-apply with new per-deploy data (pods must not restart), call /health through
#      KubernetesClientApi.PortForwardAsync, tear down;
#   4. the ko-style manifests KtFreeze wrote apply as they are with kubectl.
#
# NOT RUN in Kt's CI: the CI machines cannot start a Kubernetes API server. Run it on a workstation with docker,
# kind, kubectl, curl and the .NET 10 SDK, from the repository root:   tests/kind/run-kind-e2e.sh
# Environment: KIND_CLUSTER (default kt-e2e), KT_E2E_BASE (default mcr.microsoft.com/dotnet/runtime-deps:10.0),
#              KEEP_CLUSTER=1 keeps the cluster and the registry afterwards.
set -euo pipefail

cluster="${KIND_CLUSTER:-kt-e2e}"
base="${KT_E2E_BASE:-mcr.microsoft.com/dotnet/runtime-deps:10.0}"
namespace="kt-e2e"
service="kt-e2e-hello"
registry_name="kt-e2e-registry"
registry_port=5001
repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"

cleanup() {
  if [[ "${KEEP_CLUSTER:-0}" != "1" ]]; then
    kind delete cluster --name "$cluster" >/dev/null 2>&1 || true
    docker rm -f "$registry_name" >/dev/null 2>&1 || true
  fi
  [[ -n "${forward_pid:-}" ]] && kill "$forward_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for tool in docker kind kubectl dotnet curl; do
  command -v "$tool" >/dev/null || { echo "run-kind-e2e: '$tool' is required" >&2; exit 2; }
done

# A local registry the cluster pulls from (kind's documented local-registry setup), on localhost:5001 for the host.
if ! docker inspect "$registry_name" >/dev/null 2>&1; then
  docker run -d --restart=always -p "127.0.0.1:${registry_port}:5000" --network bridge --name "$registry_name" registry:2 >/dev/null
fi
if ! kind get clusters | grep -qx "$cluster"; then
  cat > "$work/kind.yaml" <<YAML
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
containerdConfigPatches:
- |-
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "/etc/containerd/certs.d"
YAML
  kind create cluster --name "$cluster" --config "$work/kind.yaml" --wait 120s
fi
for node in $(kind get nodes --name "$cluster"); do
  docker exec "$node" mkdir -p "/etc/containerd/certs.d/localhost:${registry_port}"
  printf '[host."http://%s:5000"]\n' "$registry_name" | docker exec -i "$node" cp /dev/stdin "/etc/containerd/certs.d/localhost:${registry_port}/hosts.toml"
done
docker network connect kind "$registry_name" 2>/dev/null || true

export KUBECONFIG="$work/kubeconfig"
kind get kubeconfig --name "$cluster" > "$KUBECONFIG"
kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f -

# 1. The packages as users get them, and a Kt project from the template.
"$repo_root/build.sh" pack
version="$(ls "$repo_root"/artifacts/packages/Kt.MSBuild.*.nupkg | sed -E 's/.*Kt\.MSBuild\.(.*)\.nupkg/\1/' | sort -V | tail -1)"
mkdir -p "$work/app"
cat > "$work/nuget.config" <<XML
<configuration><packageSources><add key="kt" value="$repo_root/artifacts/packages" /></packageSources></configuration>
XML
dotnet new install "$repo_root/artifacts/packages/Kt.Templates.$version.nupkg" --force >/dev/null
(cd "$work/app" && dotnet new kt-project -n Hello --force >/dev/null)
project="$work/app"
ls "$project"/*.csproj >/dev/null

publish() {
  dotnet publish "$project" -c Release -p:KtFreeze=true -p:KtCompute=kubernetes -p:KtNamespace="$namespace" \
    -p:KtService="$service" -p:KtBaseImage="$base" -p:ContainerRegistry="localhost:${registry_port}" \
    -p:ContainerRepository="kt-e2e/hello" -p:ContainerImageTags=e2e "$@"
}
publish -p:KtDeploy=true | tee "$work/deploy.log"
grep -q "pod(s) ready" "$work/deploy.log" || { echo "run-kind-e2e: the deploy did not report ready pods" >&2; exit 1; }

# 2. Call a function of the template through kubectl port-forward, with the token Kt created.
token="$(kubectl -n "$namespace" get secret "$service-kt-token" -o jsonpath='{.data.token}' | base64 -d)"
kubectl -n "$namespace" port-forward "svc/$service" 32300:32300 >/dev/null 2>&1 &
forward_pid=$!
for _ in $(seq 1 50); do curl -fs http://127.0.0.1:32300/health >/dev/null && break; sleep 0.2; done
answer="$(curl -fsS -H "Authorization: Bearer $token" -d '{"args":["kind"]}' "http://127.0.0.1:32300/fn/Hello.Functions/Hello")"
echo "answer: $answer"
[[ "$answer" == *"Hello, kind!"* ]] || { echo "run-kind-e2e: unexpected answer" >&2; exit 1; }
kill "$forward_pid"; forward_pid=""

# 3. Through the Kt API: idempotent re-apply, port-forward, teardown.
image="$(grep -o "localhost:${registry_port}/kt-e2e/hello@sha256:[0-9a-f]*" "$work/deploy.log" | head -1)"
mkdir -p "$work/e2e"
cat > "$work/e2e/e2e.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings><Nullable>enable</Nullable>
  <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup>
  <ItemGroup><ProjectReference Include="$repo_root/src/Kt.Kubernetes/Kt.Kubernetes.csproj" /></ItemGroup>
</Project>
XML
cat > "$work/e2e/Program.cs" <<CS
using Kt.Kubernetes.Api;
using Kt.Kubernetes.Deploy;
using Kt.Kubernetes.Model;
using Kt.Kubernetes.Rendering;

var api = KubernetesClientApi.FromDefaultConfig();
var deployer = new Deployer(api, Kt.Kubernetes.Validation.ManifestValidator.Load("$repo_root/../shared/schemas"));
var compute = new Compute { ServiceName = "$service", Namespace = "$namespace", Image = "$image", LaunchTimeout = TimeSpan.FromMinutes(3) };
var context = RenderContext.ForPodRuntime() with { DevMode = false, Frozen = true, DeployAnnotations = new Dictionary<string, string> { ["kt.dev/code-version"] = "e2e-2" } };
if (args.Contains("--teardown"))
{
    foreach (var r in await deployer.TeardownAsync("$service", "$namespace")) Console.WriteLine("deleted " + r);
    return;
}

var result = await deployer.DeployAsync(compute, context);
Console.WriteLine("ready again: " + string.Join(", ", result.ReadyPods));
await using (var forward = await api.PortForwardAsync("$namespace", result.ReadyPods[0], 32300, 32301))
{
    using var http = new HttpClient();
    Console.WriteLine("health through the Kt port-forward: " + await http.GetStringAsync("http://127.0.0.1:32301/health"));
}
CS
pods_before="$(kubectl -n "$namespace" get pods -l "kt.dev/service=$service" -o jsonpath='{.items[*].metadata.uid}')"
dotnet run --project "$work/e2e" -c Release
pods_after="$(kubectl -n "$namespace" get pods -l "kt.dev/service=$service" -o jsonpath='{.items[*].metadata.uid}')"
[[ -n "$pods_before" && "$pods_before" == "$pods_after" ]] || { echo "run-kind-e2e: the re-apply replaced pods ($pods_before -> $pods_after)" >&2; exit 1; }
dotnet run --project "$work/e2e" -c Release -- --teardown

# 4. The ko-style manifests apply as written (after the one-time Secret their header names).
manifests="$(ls "$project"/bin/Release/net10.0/publish/kt-manifests/*.yaml)"
kubectl -n "$namespace" create secret generic "$service-kt-token" --from-literal=token="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
kubectl apply -f "$manifests"
kubectl -n "$namespace" rollout status "deployment/$service" --timeout=180s
kubectl delete -f "$manifests"
kubectl -n "$namespace" delete secret "$service-kt-token"
echo "run-kind-e2e: OK"
