using System.Text.RegularExpressions;
using Kt.TestSupport;

namespace Kt.MSBuild.Tests;

/// <summary>
/// Faults driven through the packed task the way users meet them: each is one error with its KT code at the csproj
/// item that caused it (file and line), never at Kt's targets and never MSB4018.
/// </summary>
public sealed class TaskFaultTests(PackedTaskFixture fixture) : IClassFixture<PackedTaskFixture>
{
    [Fact]
    public void A_setup_step_that_fails_on_the_pod_is_one_KT4011_at_its_KtSetup_item_line_with_the_cause_first()
    {
        var service = "fault-" + Guid.NewGuid().ToString("N")[..8];
        var project = fixture.CreateConsoleProject("FailingStep", $"<KtService>{service}</KtService>", """
            <KtSetup Include="env" Name="FIRST" Value="1" />
                <KtSetup Include="run" Command="echo about to fail; echo 'E: Unable to locate package jqq' 1>&amp;2; echo 'Done.'; exit 3" />
            """);
        try
        {
            var publish = fixture.Dotnet(project, "publish", "-c", "Release", "-p:KtDeploy=true");

            Assert.NotEqual(0, publish.ExitCode);
            var csproj = Path.Combine(project, "FailingStep.csproj");
            Assert.Matches(new Regex($@"{Regex.Escape(csproj)}\({LineOf(csproj, "exit 3")}[,)].*error KT4011: KtSetup item 2 \('run'\)"), publish.Output);
            Assert.DoesNotContain("MSB4018", publish.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Kt.MSBuild.targets", ErrorLines(publish.Output));
            // One error (MSBuild repeats it in its summary), its cause on the error line, the output tail after it as plain lines.
            var errors = publish.Output.Split('\n').Where(l => l.Contains("error KT4011", StringComparison.Ordinal))
                .Select(l => Regex.Replace(l.Trim(), @"\s*\[[^\]]*\]$", "")).Distinct().ToList(); // the summary adds " [project]"
            Assert.True(errors.Count == 1, "expected one error line:\n" + string.Join('\n', errors));
            Assert.Contains("exited with code 3: E: Unable to locate package jqq", errors[0], StringComparison.Ordinal);
            Assert.Contains("about to fail", publish.Output, StringComparison.Ordinal);
        }
        finally
        {
            fixture.Dotnet(project, "build", "-c", "Release", "-t:KtTeardown");
        }
    }

    [DockerFact]
    public void A_base_the_docker_backend_cannot_pull_is_one_KT7006_at_the_ContainerBaseImage_line_of_the_csproj()
    {
        var service = "nobase-" + Guid.NewGuid().ToString("N")[..8];
        var project = fixture.CreateConsoleProject("MissingBase", $"""
            <KtService>{service}</KtService>
                <KtCompute>docker</KtCompute>
                <ContainerBaseImage>{Environments.RegistryHost}/kt-test/no-such-base:{service}</ContainerBaseImage>
            """, ktItems: "");
        try
        {
            var publish = fixture.Dotnet(project, "publish", "-c", "Release", "-p:KtDeploy=true");

            Assert.NotEqual(0, publish.ExitCode);
            var csproj = Path.Combine(project, "MissingBase.csproj");
            Assert.Matches(new Regex($@"{Regex.Escape(csproj)}\({LineOf(csproj, "<ContainerBaseImage>")}[,)].*error KT7006"), publish.Output);
            Assert.DoesNotContain("Kt.MSBuild.targets", ErrorLines(publish.Output));
        }
        finally
        {
            fixture.Dotnet(project, "build", "-c", "Release", "-t:KtTeardown");
        }
    }

    [Fact]
    public void A_registry_that_cannot_be_reached_points_at_the_property_naming_that_registry()
    {
        var folder = Directory.CreateTempSubdirectory("kt-property-location").FullName;
        try
        {
            var csproj = Path.Combine(folder, "App.csproj");
            File.WriteAllText(csproj, """
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <ContainerBaseImage>base.example:5000/team/base:1</ContainerBaseImage>
                    <ContainerRegistry>127.0.0.1:5000</ContainerRegistry>
                  </PropertyGroup>
                </Project>
                """);

            Assert.Equal((csproj, 4), PropertyLocation.Find("KT2032", "Registry 127.0.0.1:5000 could not be reached for a push after 4 attempts", csproj));
            Assert.Equal((csproj, 3), PropertyLocation.Find("KT2032", "Registry base.example:5000 could not be reached for a pull after 4 attempts", csproj));
            Assert.Equal((csproj, 3), PropertyLocation.Find("KT7006", "the base is not in the engine", csproj));
            Assert.Equal((csproj, 0), PropertyLocation.Find("KT6011", "a bug", csproj));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_bad_step_argument_is_its_KT_code_at_the_item_line_of_the_file_that_declares_it()
    {
        // Declared in an imported props file: the error points there, not at the csproj.
        var project = fixture.CreateConsoleProject("BadArgument", "<KtService>bad-argument</KtService>", """
            <KtSetup Include="env" Name="GOOD" Value="1" />
            """);
        var props = Path.Combine(project, "steps.props");
        File.WriteAllText(props, """
            <Project>
              <ItemGroup>
                <KtSetup Include="env" Name="ALSO_GOOD" Value="2" />

                <KtSetup Include="env" Name="1BAD" Value="x" />
              </ItemGroup>
            </Project>
            """);
        var csproj = Path.Combine(project, "BadArgument.csproj");
        File.WriteAllText(csproj, File.ReadAllText(csproj).Replace("</Project>", "  <Import Project=\"steps.props\" />\n</Project>", StringComparison.Ordinal));

        var publish = fixture.Dotnet(project, "publish", "-c", "Release", "-p:KtDeploy=true");

        Assert.NotEqual(0, publish.ExitCode);
        Assert.Matches(new Regex($@"{Regex.Escape(props)}\({LineOf(props, "1BAD")}[,)].*error KT\d{{4}}: KtSetup item 3 \('env'\): '1BAD' is not a valid environment variable name"), publish.Output);
        Assert.DoesNotContain("MSB4018", publish.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_step_kind_is_KT6001_at_its_item_line()
    {
        var project = fixture.CreateConsoleProject("UnknownKind", "<KtService>unknown-kind</KtService>", """
            <KtSetup Include="env" Name="GOOD" Value="1" />
                <KtSetup Include="brew" Packages="jq" />
            """);

        var build = fixture.Dotnet(project, "build", "-c", "Release");

        Assert.NotEqual(0, build.ExitCode);
        var csproj = Path.Combine(project, "UnknownKind.csproj");
        Assert.Matches(new Regex($@"{Regex.Escape(csproj)}\({LineOf(csproj, "brew")}[,)].*error KT6001"), build.Output);
    }

    /// <summary>The 1-based line of the first line of <paramref name="file"/> containing <paramref name="text"/>.</summary>
    private static int LineOf(string file, string text) =>
        File.ReadAllLines(file).Select((line, index) => (line, index)).First(l => l.line.Contains(text, StringComparison.Ordinal)).index + 1;

    private static string ErrorLines(string output) =>
        string.Join('\n', output.Split('\n').Where(l => l.Contains(": error ", StringComparison.Ordinal)));
}
