namespace VisionSearch.Api.Access;

/// <summary>What an endpoint needs of the caller's key: to read (search, status, items) or to write (build, delete).</summary>
public enum ApiAccess
{
    /// <summary>A read-only or a read-write key.</summary>
    Read,

    /// <summary>A read-write key.</summary>
    Write,
}
