#!/usr/bin/env bash
# Real-cluster check of Kt.Kubernetes on kind: create a cluster, load an image, deploy a sample through the Kt API
# (server-side apply with field manager "kt"), wait for readiness, call it, tear it down.
#
# NOT RUN in Kt's CI: the CI machines cannot start a Kubernetes API server. Run it on a workstation with
# docker, kind, kubectl and the .NET SDK:   tests/kind/run-kind-e2e.sh
# Environment: KIND_CLUSTER (default kt-e2e), KT_E2E_IMAGE (default kt-e2e/podruntime:dev, must exist locally),
#              KEEP_CLUSTER=1 to keep the cluster afterwards.
set -euo pipefail

cluster="${KIND_CLUSTER:-kt-e2e}"
image="${KT_E2E_IMAGE:-kt-e2e/podruntime:dev}"
namespace="kt-e2e"
service="hello"
repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"

cleanup() {
  if [[ "${KEEP_CLUSTER:-0}" != "1" ]]; then kind delete cluster --name "$cluster" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

for tool in docker kind kubectl dotnet; do
  command -v "$tool" >/dev/null || { echo "run-kind-e2e: '$tool' is required" >&2; exit 2; }
done
docker image inspect "$image" >/dev/null || { echo "run-kind-e2e: image '$image' not found locally; build the Kt pod runtime image first" >&2; exit 2; }

kind get clusters | grep -qx "$cluster" || kind create cluster --name "$cluster" --wait 120s
kind load docker-image "$image" --name "$cluster"
kubectl --context "kind-$cluster" create namespace "$namespace" --dry-run=client -o yaml | kubectl --context "kind-$cluster" apply -f -

# A tiny console app that uses the public Kt.Kubernetes API against the kind context.
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
var compute = new Compute { ServiceName = "$service", Namespace = "$namespace", Image = "$image", Cpus = "100m", Memory = "128Mi", LaunchTimeout = TimeSpan.FromMinutes(3) };
var context = RenderContext.ForPodRuntime() with { DeployAnnotations = new Dictionary<string, string> { ["kt.dev/code-version"] = "e2e" } };
var result = await deployer.DeployAsync(compute, context);
Console.WriteLine("ready: " + string.Join(", ", result.ReadyPods));
// Idempotent re-apply: must not restart the pods.
await deployer.DeployAsync(compute, context with { DeployAnnotations = new Dictionary<string, string> { ["kt.dev/code-version"] = "e2e-2" } });
if (args.Contains("--teardown")) { foreach (var r in await deployer.TeardownAsync("$service", "$namespace")) Console.WriteLine("deleted " + r); }
CS

export KUBECONFIG="$work/kubeconfig"
kind get kubeconfig --name "$cluster" > "$KUBECONFIG"
dotnet run --project "$work/e2e" -c Release

# Call the service through the API server proxy (no port-forward needed).
kubectl -n "$namespace" get pods -l "kt.dev/service=$service" -o wide
kubectl get --raw "/api/v1/namespaces/$namespace/services/$service:http/proxy/health"
echo
restarts="$(kubectl -n "$namespace" get pods -l "kt.dev/service=$service" -o jsonpath='{.items[*].status.containerStatuses[*].restartCount}')"
[[ "$restarts" =~ ^[0\ ]*$ ]] || { echo "run-kind-e2e: pods restarted ($restarts)" >&2; exit 1; }

dotnet run --project "$work/e2e" -c Release -- --teardown
echo "run-kind-e2e: OK"
