using Kt.Core;
using Kt.ImageCompiler.Dockerfiles;
using Kt.ImageCompiler.Model;
using Kt.ImageCompiler.Resolution;

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

    [Fact]
    public void Reads_what_real_dockerfiles_use_ARG_LABEL_EXPOSE_SHELL_defaults_and_the_escape_directive()
    {
        const string text = """
            # escape=`
            # syntax=docker/dockerfile:1
            ARG DEBIAN=bookworm
            FROM kt-test/debian:${DEBIAN}
            ARG DEBIAN
            ARG APP_HOME=/srv/app PORT=8080
            ARG CHANNEL
            LABEL org.opencontainers.image.title="probe app" maintainer=kt
            EXPOSE ${PORT} 9090/udp
            ENV APP_HOME=${APP_HOME} PATH=${APP_HOME}/bin:$PATH MODE=${MODE:-release} CHANNEL=${CHANNEL:-stable}
            WORKDIR ${APP_HOME}
            USER ${APP_USER:-1000}
            RUN echo building on $DEBIAN for ${CHANNEL:-stable} `
                && echo done
            SHELL ["/bin/bash", "-o", "pipefail", "-c"]
            RUN set -x; echo "$PORT" | cat
            CMD serve --port 8080
            """;

        var definition = DockerfileParser.Parse(text, buildArguments: new Dictionary<string, string> { ["CHANNEL"] = "beta" });

        Assert.Equal("kt-test/debian:bookworm", definition.Base.Reference);
        Assert.Equal(new Dictionary<string, string> { ["maintainer"] = "kt", ["org.opencontainers.image.title"] = "probe app" }, definition.Labels);
        Assert.Equal(["8080/tcp", "9090/udp"], definition.ExposedPorts);
        Assert.Equal(["/bin/bash", "-o", "pipefail", "-c", "serve --port 8080"], definition.Base.Cmd);
        Assert.Collection(definition.Steps,
            s => Assert.Equal(new SetEnvStep("APP_HOME", "/srv/app") { Origin = "Dockerfile:10" }, s),
            s => Assert.Equal("/srv/app/bin:$PATH", Assert.IsType<SetEnvStep>(s).Value), // the base's PATH stays for resolution
            s => Assert.Equal("${MODE:-release}", Assert.IsType<SetEnvStep>(s).Value), // not an ARG: resolved against the base
            s => Assert.Equal("beta", Assert.IsType<SetEnvStep>(s).Value), // the build argument wins over the default
            s => Assert.Equal("/srv/app", Assert.IsType<WorkDirStep>(s).Path),
            s => Assert.Equal("${APP_USER:-1000}", Assert.IsType<UserStep>(s).User),
            s => Assert.Equal("echo building on bookworm for beta  && echo done", Assert.IsType<RunStep>(s).Command),
            s => Assert.Equal("/bin/bash -o pipefail -c 'set -x; echo \"8080\" | cat'", Assert.IsType<RunStep>(s).Command));
    }

    [Fact]
    public void Defaults_and_alternatives_resolve_against_the_base_live_and_frozen_alike()
    {
        var definition = DockerfileParser.Parse("FROM debian\nENV MODE=${MODE:-release} EXTRA=${DEBUG:+--verbose} P=/opt/x/bin:${PATH}\nUSER ${APP_USER:-1000}\n");
        var resolved = new DefinitionResolver(Path.GetTempPath()).Resolve(definition, new Dictionary<string, string> { ["PATH"] = "/usr/bin", ["DEBUG"] = "1" });

        Assert.Equal("release", resolved.Environment["MODE"]);
        Assert.Equal("--verbose", resolved.Environment["EXTRA"]);
        Assert.Equal("/opt/x/bin:/usr/bin", resolved.Environment["P"]);
        Assert.Equal("1000", resolved.User);
        Assert.Equal("${MODE:-release}", EnvironmentExpander.Expand("${MODE:-release}", new Dictionary<string, string>(), keepUnknown: true));
        Assert.Equal("prod", EnvironmentExpander.Expand("${MODE:-release}", new Dictionary<string, string> { ["MODE"] = "prod" }));
        Assert.Equal("release", EnvironmentExpander.Expand("${MODE:-release}", new Dictionary<string, string> { ["MODE"] = "" }));
        Assert.Equal("", EnvironmentExpander.Expand("${DEBUG:+on}", new Dictionary<string, string>()));
        Assert.Equal("x/default/y", EnvironmentExpander.Expand("x/${A:-${B:-default}}/y", new Dictionary<string, string>()));
    }

    [Fact]
    public void Errors_point_at_the_dockerfile_itself_with_its_line()
    {
        var folder = Path.Combine(Path.GetTempPath(), "kt-dockerfile-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        try
        {
            var path = Path.Combine(folder, "Dockerfile.base");
            File.WriteAllText(path, "FROM debian\n\nRUN true\nVOLUME /data\n");
            var error = Assert.Throws<KtSourceException>(() => DockerfileParser.ParseFile(path));
            Assert.Equal((ImageErrors.UnsupportedDockerfileInstruction, Path.GetFullPath(path), 4), (error.Code, error.File, error.Line));
            Assert.Contains("Dockerfile.base:4", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("FROM debian\nRUN true\nVOLUME /data\n", 3, "VOLUME")]
    [InlineData("FROM debian\nHEALTHCHECK CMD true\n", 2, "HEALTHCHECK")]
    [InlineData("FROM debian\nFROM alpine\n", 2, "second FROM")]
    [InlineData("FROM debian\n\nCOPY --from=build /a /b\n", 3, "--from")]
    [InlineData("FROM debian\nADD https://example.com/x /x\n", 2, "ADD")]
    public void Unsupported_instructions_name_the_line(string text, int line, string mention)
    {
        var error = Assert.ThrowsAny<KtException>(() => DockerfileParser.Parse(text));
        Assert.Equal(ImageErrors.UnsupportedDockerfileInstruction, error.Code);
        Assert.Contains($"Dockerfile:{line}", error.Message, StringComparison.Ordinal);
        Assert.Contains(mention, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("RUN true\n")]
    [InlineData("FROM debian\nRUN echo \\\n")]
    [InlineData("FROM debian\nENV A=\"unterminated\n")]
    [InlineData("# escape=!\nFROM debian\n")]
    [InlineData("FROM debian\nSHELL /bin/bash -c\n")]
    [InlineData("ARG TAG\nFROM debian:${TAG}\n")]
    public void Malformed_dockerfiles_are_refused(string text) =>
        Assert.Equal(ImageErrors.MalformedDockerfile, Assert.ThrowsAny<KtException>(() => DockerfileParser.Parse(text)).Code);

    [Fact]
    public void A_port_that_is_not_one_is_KT1017_at_its_line()
    {
        var error = Assert.Throws<KtSourceException>(() => DockerfileParser.Parse("FROM debian\nEXPOSE 80-90\n"));
        Assert.Equal((ImageErrors.InvalidPort, 2), (error.Code, error.Line));
    }
}
