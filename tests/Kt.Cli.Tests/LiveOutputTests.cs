namespace Kt.Cli.Tests;

/// <summary>kt's output on a terminal (a status line with the phase, redrawn under each line) and anywhere else (lines only).</summary>
public sealed class LiveOutputTests
{
    [Fact]
    public void On_a_terminal_the_phase_stays_on_a_status_line_under_the_lines_and_goes_when_the_deploy_ends()
    {
        var writer = new StringWriter();
        var output = new LiveOutput(writer, terminal: true).Output(verbose: false);
        output.Phase("setup");
        output.Progress("[hello-0] step run make");
        output.Progress("[hello-0]   compiling");
        output.Detail("hidden unless -v");
        output.Phase("sync");
        output.Phase("");
        output.Progress("compile 1 ms · pods 2 ms");

        const string clear = "\r\u001b[K";
        var nl = Environment.NewLine;
        Assert.Equal(
            $"kt: setup…{clear}kt: [hello-0] step run make{nl}kt: setup…{clear}kt: [hello-0]   compiling{nl}kt: setup…{clear}kt: sync…{clear}kt: compile 1 ms · pods 2 ms{nl}",
            writer.ToString());
    }

    [Fact]
    public void Elsewhere_only_the_lines_are_written_as_they_come()
    {
        var writer = new StringWriter();
        var output = new LiveOutput(writer, terminal: false).Output(verbose: true);
        output.Phase("setup");
        output.Progress("[hello-0] step run make");
        output.Detail("msbuild says");
        output.Phase("");

        var nl = Environment.NewLine;
        Assert.Equal($"kt: [hello-0] step run make{nl}msbuild says{nl}", writer.ToString());
    }
}
