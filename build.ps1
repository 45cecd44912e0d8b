# Restores the pinned Cake tool and runs a target of build/build.cake: ./build.ps1 [build|test|pack|bench|demo|clean] [-- --arg=value ...]
param([string]$Target = "build", [Parameter(ValueFromRemainingArguments = $true)][string[]]$Rest)
$ErrorActionPreference = "Stop"
$env:DOTNET_CLI_TELEMETRY_OPTOUT = "1"; $env:DOTNET_NOLOGO = "1"
Set-Location $PSScriptRoot
dotnet tool restore | Out-Null
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
Set-Location (Join-Path $PSScriptRoot "build")
dotnet tool run dotnet-cake build.cake "--target=$Target" @Rest
exit $LASTEXITCODE
