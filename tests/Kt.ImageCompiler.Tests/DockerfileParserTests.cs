using Kt.Core;
using Kt.ImageCompiler.Dockerfiles;
using Kt.ImageCompiler.Model;

namespace Kt.ImageCompiler.Tests;

public class DockerfileParserTests
{
    [Fact]
    public void Reads_every_supported_instruction_with_continuations()
    {
        const string text = """
            # a comment
            FROM kt-test/debian:bookworm AS base

            ENV A=1 B="two words"
            ENV LEGACY value with spaces
            RUN apt-get update && \
                # comment inside
                apt-get install -y curl
            RUN ["/bin/echo", "hi there"]
            COPY app.json /etc/app.json
            WORKDIR /srv
            USER nobody
            ENTRYPOINT ["/bin/app"]
            CMD --serve
            """;

        var definition = DockerfileParser.Parse(text);

        Assert.Equal("kt-test/debian:bookworm", definition.Base.Reference);
        Assert.Equal(["/bin/app"], definition.Base.Entrypoint);
        Assert.Equal(["/bin/sh", "-c", "--serve"], definition.Base.Cmd);
        Assert.Collection(definition.Steps,
            s => Assert.Equal(new SetEnvStep("A", "1") { Origin = "Dockerfile:4" }, s),
            s => Assert.Equal(new SetEnvStep("B", "two words") { Origin = "Dockerfile:4" }, s),
            s => Assert.Equal(new SetEnvStep("LEGACY", "value with spaces") { Origin = "Dockerfile:5" }, s),
            s => Assert.Equal("apt-get update &&  apt-get install -y curl", Assert.IsType<RunStep>(s).Command),
            s => Assert.Equal("/bin/echo 'hi there'", Assert.IsType<RunStep>(s).Command),
            s => Assert.Equal(new CopyStep("app.json", "/etc/app.json") { Origin = "Dockerfile:10" }, s),
            s => Assert.Equal("/srv", Assert.IsType<WorkDirStep>(s).Path),
            s => Assert.Equal("nobody", Assert.IsType<UserStep>(s).User));
    }

    [Theory]
    [InlineData("FROM debian\nRUN true\nEXPOSE 80\n", 3, "EXPOSE")]
    [InlineData("FROM debian\nHEALTHCHECK CMD true\n", 2, "HEALTHCHECK")]
    [InlineData("FROM debian\nFROM alpine\n", 2, "second FROM")]
    [InlineData("FROM debian\n\nCOPY --from=build /a /b\n", 3, "--from")]
    public void Unsupported_instructions_name_the_line(string text, int line, string mention)
    {
        var error = Assert.Throws<KtException>(() => DockerfileParser.Parse(text));
        Assert.Equal(ImageErrors.UnsupportedDockerfileInstruction, error.Code);
        Assert.Contains($"Dockerfile:{line}", error.Message, StringComparison.Ordinal);
        Assert.Contains(mention, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("RUN true\n")]
    [InlineData("FROM debian\nRUN echo \\\n")]
    [InlineData("FROM debian\nENV A=\"unterminated\n")]
    public void Malformed_dockerfiles_are_refused(string text) =>
        Assert.Equal(ImageErrors.MalformedDockerfile, Assert.Throws<KtException>(() => DockerfileParser.Parse(text)).Code);
}
