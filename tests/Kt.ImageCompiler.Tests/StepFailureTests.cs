using Kt.Core;

namespace Kt.ImageCompiler.Tests;

/// <summary>A failed step's cause is the line of its output that says why, not the tail's last line.</summary>
public sealed class StepFailureTests
{
    [Theory]
    [InlineData("Reading package lists...\nBuilding dependency tree...\nE: Unable to locate package jqq\n", "E: Unable to locate package jqq")]
    [InlineData("ERROR: Could not find a version that satisfies the requirement nump\nERROR: No matching distribution found for nump\n[notice] A new release of pip is available", "ERROR: No matching distribution found for nump")]
    [InlineData("starting\nsh: 1: nvcc: not found\n", "sh: 1: nvcc: not found")]
    [InlineData("one\ntwo\n\n", "two")]
    public void The_cause_is_the_last_line_that_reads_as_an_error_else_the_last_line(string tail, string cause) =>
        Assert.Equal(cause, StepFailure.Cause(tail));

    [Fact]
    public void The_message_has_the_cause_on_its_first_line_and_the_tail_after_it()
    {
        var message = StepFailure.Describe("Step 2 'apt install jqq'", 100, "Reading package lists...\nE: Unable to locate package jqq", "nothing was cached");

        var lines = message.Split('\n');
        Assert.Equal("Step 2 'apt install jqq' exited with code 100: E: Unable to locate package jqq (nothing was cached). Output tail:", lines[0]);
        Assert.Equal(["Reading package lists...", "E: Unable to locate package jqq"], lines[1..]);
        Assert.Equal("Step 1 'true' exited with code 1 (nothing was cached)", StepFailure.Describe("Step 1 'true'", 1, "", "nothing was cached"));
    }
}
