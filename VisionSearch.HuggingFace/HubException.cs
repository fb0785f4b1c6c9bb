namespace VisionSearch.HuggingFace;

/// <summary>A Hub file could not be had: not found, not authorised, or unreachable with no cached copy. The message says what to do.</summary>
public sealed class HubException(string message, Exception? inner = null) : Exception(message, inner);
