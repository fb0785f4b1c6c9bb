namespace VisionSearch.HuggingFace;

/// <summary>Bytes of one file on disk so far, of its total when the server said.</summary>
public readonly record struct HubDownloadProgress(string File, long Bytes, long? Total);
