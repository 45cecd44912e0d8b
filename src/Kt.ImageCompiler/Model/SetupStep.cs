namespace Kt.ImageCompiler.Model;

/// <summary>
/// One ordered setup step of an image definition. Steps are immutable values; their <see cref="Kind"/> and
/// <see cref="CanonicalArguments"/> (plus the content of the files they place) make up their key.
/// </summary>
public abstract record SetupStep
{
    /// <summary>Runs on every live apply (and invalidates every later step), without changing the key.</summary>
    public bool Force { get; init; }

    /// <summary>Where the step was declared (an MSBuild item, a Dockerfile line), for error messages.</summary>
    public string? Origin { get; init; }

    /// <summary>The step kind as users write it: apt, pip, dotnet-tool, run, env, copy, sync, workdir, user.</summary>
    public abstract string Kind { get; }

    /// <summary>How the step changes an image: by running a command, by placing files, or by metadata only.</summary>
    public abstract StepEffect Effect { get; }

    /// <summary>Arguments in a fixed order, as hashed into the key. Never an absolute local path.</summary>
    public abstract IReadOnlyList<string> CanonicalArguments { get; }

    /// <summary>One line for progress output and comments, e.g. <c>apt install curl git</c>.</summary>
    public abstract string Describe();
}

public enum StepEffect
{
    /// <summary>Runs a shell command (needs a container engine to freeze).</summary>
    Command,

    /// <summary>Places files (a daemonless layer).</summary>
    Files,

    /// <summary>Changes only image metadata (env, working directory, user).</summary>
    Metadata,
}
