using System.Diagnostics;
using System.Globalization;
using Kt.PodRuntime.Errors;

namespace Kt.PodRuntime.Supervision;

/// <summary>
/// Runs a process as the user a definition names (a <c>user</c> step, <c>ContainerUser</c>), as a container engine
/// starts a container's process as its image's <c>USER</c>: the name or uid (and group) resolved through the pod's
/// <c>/etc/passwd</c> and <c>/etc/group</c> (a uid without an entry gets gid 0 and HOME <c>/</c>, as Docker does),
/// switched by <c>setpriv</c> (util-linux, in every Debian/Ubuntu base) from a runtime that runs as root.
/// </summary>
/// <param name="Spec">The user as the definition spells it: <c>name</c>, <c>uid</c>, <c>name:group</c>, <c>uid:gid</c>.</param>
internal sealed record UserSwitch(string Spec, uint Uid, uint Gid, string Home, bool Known)
{
    /// <summary>
    /// The switch to <paramref name="spec"/>, or null when none is needed (no user named, or this runtime's own).
    /// A runtime that is not root cannot switch: KT4015.
    /// </summary>
    public static UserSwitch? For(string? spec, string? passwdFile = null, string? groupFile = null)
    {
        if (string.IsNullOrWhiteSpace(spec) || OperatingSystem.IsWindows())
        {
            return null;
        }

        var target = Resolve(spec.Trim(), passwdFile ?? "/etc/passwd", groupFile ?? "/etc/group");
        var self = UserEnvironment.CurrentUid();
        if (target.Uid == self)
        {
            return null;
        }

        if (self != 0)
        {
            throw new RuntimeError(RuntimeErrorCodes.UserSwitchUnsupported, 501,
                $"The definition runs user code as '{spec}', but this runtime runs as uid {self.ToString(CultureInfo.InvariantCulture)} and only a root runtime switches users.");
        }

        return target;
    }

    /// <summary>Makes <paramref name="info"/> start its program as this user (through <c>setpriv</c>).</summary>
    public ProcessStartInfo Apply(ProcessStartInfo info)
    {
        var setpriv = new[] { "/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv" }.FirstOrDefault(File.Exists)
            ?? throw new RuntimeError(RuntimeErrorCodes.UserSwitchUnsupported, 501,
                $"The definition runs user code as '{Spec}', but the base image has no setpriv (util-linux) to switch users with.");
        var program = info.FileName;
        var arguments = info.ArgumentList.ToList();
        info.FileName = setpriv;
        info.ArgumentList.Clear();
        info.ArgumentList.Add($"--reuid={Uid.ToString(CultureInfo.InvariantCulture)}");
        info.ArgumentList.Add($"--regid={Gid.ToString(CultureInfo.InvariantCulture)}");
        info.ArgumentList.Add(Known ? "--init-groups" : "--clear-groups");
        info.ArgumentList.Add("--");
        info.ArgumentList.Add(program);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    private static UserSwitch Resolve(string spec, string passwdFile, string groupFile)
    {
        var (user, group) = spec.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0 ? (spec[..colon], spec[(colon + 1)..]) : (spec, null);
        var passwd = Entries(passwdFile);
        var entry = passwd.FirstOrDefault(e => e.Length >= 6 && (e[0] == user || e[2] == user));
        uint uid;
        if (entry is not null)
        {
            uid = uint.Parse(entry[2], CultureInfo.InvariantCulture);
        }
        else if (!uint.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out uid))
        {
            throw new RuntimeError(RuntimeErrorCodes.UserSwitchUnsupported, 501, $"The user '{user}' is not in the pod's /etc/passwd (name it by uid, or add it with a run step before the user step).");
        }

        var gid = entry is not null ? uint.Parse(entry[3], CultureInfo.InvariantCulture) : 0;
        if (group is not null)
        {
            var groupEntry = Entries(groupFile).FirstOrDefault(e => e.Length >= 3 && (e[0] == group || e[2] == group));
            gid = groupEntry is not null ? uint.Parse(groupEntry[2], CultureInfo.InvariantCulture)
                : uint.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out var numeric) ? numeric
                : throw new RuntimeError(RuntimeErrorCodes.UserSwitchUnsupported, 501, $"The group '{group}' is not in the pod's /etc/group.");
        }

        return new UserSwitch(spec, uid, gid, entry is { Length: >= 6 } && entry[5].Length > 0 ? entry[5] : "/", entry is not null);
    }

    private static List<string[]> Entries(string file) =>
        File.Exists(file) ? File.ReadAllLines(file).Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split(':')).ToList() : [];
}
