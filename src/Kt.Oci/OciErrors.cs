namespace Kt.Oci;

/// <summary>The KT2xxx codes of images, layers and registries (docs/errors-oci.md): one home, so a code is named, never spelled.</summary>
public static class OciErrors
{
    public const string BadReference = "KT2002";
    public const string BadDocument = "KT2003";
    public const string NoSuchPlatform = "KT2004";
    public const string BadSourceDateEpoch = "KT2005";
    public const string BadLayerPath = "KT2010";
    public const string FileChangedWhileLayering = "KT2011";
    public const string LayerSourceMissing = "KT2012";
    public const string BadEnvironmentName = "KT2013";
    public const string DigestMismatch = "KT2020";
    public const string RegistryDenied = "KT2030";
    public const string RegistryFailing = "KT2031";
    public const string RegistryUnreachable = "KT2032";
    public const string ManifestNotFound = "KT2033";
    public const string BlobNotFound = "KT2034";
    public const string UnexpectedAnswer = "KT2035";
    public const string RegistryIdle = "KT2036";
    public const string PushTooLong = "KT2037";
    public const string ArchiveUnreadable = "KT2040";
    public const string ArchiveIncomplete = "KT2041";
    public const string NotALayout = "KT2042";
    public const string UnsupportedTarEntry = "KT2043";
}
