using System.Text.Json.Serialization;

namespace Kt.PodRuntime.Sync;

/// <summary>Frozen mode: the app folder baked into the image (absolute) and the version id it reports.</summary>
public sealed record FrozenApp(string Directory, string Version);
