using VisionSearch.Embeddings.Caching;

namespace VisionSearch.Embeddings.Tests;

/// <summary>The embedding cache's content addresses: stable, separated by model and kind, equal for texts every CLIP tokenizer reads alike.</summary>
public sealed class EmbeddingKeysTests
{
    [Fact]
    public void Keys_are_the_first_128_bits_of_sha256_over_model_kind_and_content()
    {
        // Computed with Python's hashlib: a changed layout would orphan every cached vector, so it is pinned.
        Assert.Equal("9514c6d145296f28449433f640408612", EmbeddingKeys.Text("clip-onnx/x", "a photo of a cat"));
        Assert.Equal("d51b66a970b9a7e5c18cafc04f0fe685", EmbeddingKeys.Image("clip-onnx/x", [0xFF, 0xD8, 0xFF]));
    }

    [Theory]
    [InlineData("  a photo\tof \u00A0a cat\n")]
    [InlineData("a photo of a cat")]
    [InlineData("a\u2003photo of a cat")]
    public void Texts_differing_only_in_whitespace_share_a_key(string text) =>
        Assert.Equal(EmbeddingKeys.Text("m", "a photo of a cat"), EmbeddingKeys.Text("m", text));

    [Fact]
    public void Composed_and_decomposed_accents_share_a_key_and_case_does_not() // NFC, as the tokenizer; not every model lowercases
    {
        Assert.Equal(EmbeddingKeys.Text("m", "caf\u00E9"), EmbeddingKeys.Text("m", "cafe\u0301"));
        Assert.NotEqual(EmbeddingKeys.Text("m", "Cat"), EmbeddingKeys.Text("m", "cat"));
    }

    [Fact]
    public void Another_model_or_kind_is_another_key()
    {
        Assert.NotEqual(EmbeddingKeys.Text("model-a", "abc"), EmbeddingKeys.Text("model-b", "abc"));
        Assert.NotEqual(EmbeddingKeys.Text("m", "abc"), EmbeddingKeys.Image("m", "abc"u8));
    }
}
