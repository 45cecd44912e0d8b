using System.Globalization;
using Kt.PodRuntime.Client;

namespace Kt.Client;

/// <summary>
/// Where a remote call's exception was raised: the pod, the code version, the KT code (KT4033 for the user's own
/// exceptions), the request id and, for <c>CallAllAsync</c>, the rank. A user exception re-thrown as its own type
/// carries these in its <see cref="Exception.Data"/> (keys <c>Kt.Pod</c>, <c>Kt.Version</c>, <c>Kt.Code</c>,
/// <c>Kt.RequestId</c>, <c>Kt.Rank</c>); <see cref="Of"/> reads them back.
/// </summary>
/// <param name="Pod">The pod that raised it.</param>
/// <param name="Version">The code version the pod ran.</param>
/// <param name="Code">The KT code.</param>
/// <param name="RequestId">The call's request id (the pod's log lines carry it).</param>
/// <param name="Rank">The rank of a broadcast call, else null.</param>
public sealed record RemoteOrigin(string? Pod, string? Version, string? Code, string? RequestId, int? Rank)
{
    internal const string PodKey = "Kt.Pod";
    internal const string VersionKey = "Kt.Version";
    internal const string CodeKey = "Kt.Code";
    internal const string RequestIdKey = "Kt.RequestId";
    internal const string RankKey = "Kt.Rank";

    /// <summary>Where <paramref name="exception"/> was raised, when it came from a pod (re-thrown user exception or <see cref="RemoteException"/>); else null.</summary>
    /// <param name="exception">An exception a call threw.</param>
    public static RemoteOrigin? Of(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is RemoteException remote)
        {
            return new RemoteOrigin(remote.Pod, remote.Version, remote.Code, remote.RequestId, remote.Rank);
        }

        var data = exception.Data;
        if (!data.Contains(CodeKey))
        {
            return null;
        }

        return new RemoteOrigin(data[PodKey] as string, data[VersionKey] as string, data[CodeKey] as string, data[RequestIdKey] as string,
            data[RankKey] is string rank && int.TryParse(rank, NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : null);
    }

    internal void Stamp(Exception exception)
    {
        exception.Data[PodKey] = Pod;
        exception.Data[VersionKey] = Version;
        exception.Data[CodeKey] = Code;
        exception.Data[RequestIdKey] = RequestId;
        if (Rank is { } rank)
        {
            exception.Data[RankKey] = rank.ToString(CultureInfo.InvariantCulture);
        }
    }
}
