// The pod runtime runs in Linux containers (glibc images); Unix file modes, hard links and signals are part of its contract.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
