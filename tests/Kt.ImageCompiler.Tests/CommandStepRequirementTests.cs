using Kt.ImageCompiler.Model;
using Kt.ImageCompiler.Resolution;
using Kt.TestSupport;

namespace Kt.ImageCompiler.Tests;

/// <summary>
/// pip and dotnet-tool steps on a base image without Python or the .NET SDK: the step's own guard stops it before it
/// installs anything, with a message naming the base image or the step it needs and ending with its code. Run with
/// the real shell of the Debian test image (which has neither).
/// </summary>
public sealed class CommandStepRequirementTests
{
    [DockerFact]
    public void A_pip_step_without_python_says_which_base_or_apt_step_it_needs_with_KT1020()
    {
        var result = RunInTestImage(DefinitionResolver.CommandFor(new PipInstallStep(["six==1.16.0"]))!);

        Assert.Equal(97, result.ExitCode);
        Assert.EndsWith($"({ImageErrors.PipUnavailable})", result.Error.Trim(), StringComparison.Ordinal);
        Assert.Contains("python:3.12-slim", result.Error, StringComparison.Ordinal);
        Assert.Contains("<KtSetup Include=\"apt\" Packages=\"python3-pip\" />", result.Error, StringComparison.Ordinal);
    }

    [DockerFact]
    public void A_dotnet_tool_step_without_the_sdk_says_which_base_it_needs_with_KT1021()
    {
        var result = RunInTestImage(DefinitionResolver.CommandFor(new DotnetToolStep("dotnet-counters", "9.0.1", DotnetToolStep.DefaultToolPath))!);

        Assert.Equal(97, result.ExitCode);
        Assert.EndsWith($"({ImageErrors.DotnetSdkUnavailable})", result.Error.Trim(), StringComparison.Ordinal);
        Assert.Contains("mcr.microsoft.com/dotnet/sdk:10.0", result.Error, StringComparison.Ordinal);
    }

    [DockerFact]
    public void Where_python_with_pip_exists_the_guard_lets_pip_install_into_the_images_python()
    {
        // A stand-in python3 that answers like pip does: the guard must pass it and the install must run with the
        // PEP 668 override a distribution's Python needs.
        const string fakePython = "printf '#!/bin/sh\\necho \"pip $* break=$PIP_BREAK_SYSTEM_PACKAGES\"\\n' > /usr/local/bin/python3 && chmod +x /usr/local/bin/python3; ";

        var result = RunInTestImage(fakePython + DefinitionResolver.CommandFor(new PipInstallStep(["six==1.16.0"]))!);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("pip -m pip install --no-cache-dir six==1.16.0 break=1", result.Output, StringComparison.Ordinal);
    }

    private static ProcessRunner.Result RunInTestImage(string command) =>
        ProcessRunner.Run("docker", ["run", "--rm", "--network", "none", "--name", "kt-req-" + Guid.NewGuid().ToString("N")[..12], Environments.TestBaseImage, "/bin/sh", "-c", command]);
}
