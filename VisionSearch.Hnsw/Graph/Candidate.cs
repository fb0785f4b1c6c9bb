namespace VisionSearch.Hnsw.Graph;

/// <summary>A node and its distance to whatever the current search is measuring from.</summary>
internal readonly record struct Candidate(float Distance, int Node);
