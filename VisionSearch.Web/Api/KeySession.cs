namespace VisionSearch.Web.Api;

/// <summary>
/// The read-write key a person typed into the page, for the rest of their session (the circuit) and never beyond it:
/// it goes to the API with their builds and deletes, and nowhere else.
/// </summary>
public sealed class KeySession
{
    public string? WriteKey { get; set; }
}
