#!/usr/bin/env bash
# Restores the pinned Cake tool and runs a target of build/build.cake: ./build.sh [build|test|pack|bench|demo|clean] [--arg=value ...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
target="${1:-build}"
[ $# -gt 0 ] && shift
dotnet tool restore >/dev/null
cd build
exec dotnet tool run dotnet-cake build.cake --target="$target" "$@"
