namespace VisionSearch.Datasets;

/// <summary>What a dataset item carries for embedding.</summary>
public enum ItemKind
{
    /// <summary>Encoded image bytes (JPEG, PNG, …), maybe with a caption in <see cref="DatasetItem.Text"/>.</summary>
    Image = 0,

    /// <summary>A text.</summary>
    Text = 1,

    /// <summary>A precomputed vector: nothing to embed.</summary>
    Vector = 2,
}
