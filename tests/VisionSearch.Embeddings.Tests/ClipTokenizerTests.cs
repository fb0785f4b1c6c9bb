using VisionSearch.Embeddings.Clip;
using VisionSearch.Testing;

namespace VisionSearch.Embeddings.Tests;

public sealed class ClipTokenizerTests
{
    private static readonly ClipTokenizer Tokenizer = ClipTokenizer.FromFolder(ClipGoldens.Folder);

    [Theory]
    [MemberData(nameof(Names))]
    public void Ids_equal_the_fast_tokenizer_goldens(string name)
    {
        var golden = ClipGoldens.Text(name);
        var expected = golden.GetProperty("ids").EnumerateArray().Select(v => v.GetInt32());

        Assert.Equal(expected, Tokenizer.Encode(golden.GetProperty("text").GetString()!));
    }

    public static TheoryData<string> Names() => ClipGoldens.TextNames();

    [Fact]
    public void Vocab_and_merges_files_tokenize_as_tokenizer_json_does()
    {
        using var folder = new TempDirectory();
        File.Copy(Path.Combine(ClipGoldens.Folder, "vocab.json"), folder.File("vocab.json"));
        File.Copy(Path.Combine(ClipGoldens.Folder, "merges.txt"), folder.File("merges.txt"));
        var fromFiles = ClipTokenizer.FromFolder(folder.Path);

        foreach (var text in ClipGoldens.Texts.Select(t => t.GetProperty("text").GetString()!))
        {
            Assert.Equal(Tokenizer.Encode(text), fromFiles.Encode(text));
        }
    }

    [Fact]
    public void Long_texts_keep_77_ids_with_the_end_token_last()
    {
        var ids = Tokenizer.Encode(string.Join(' ', Enumerable.Repeat("photo", 200)));

        Assert.Equal(ClipTokenizer.ContextLength, ids.Length);
        Assert.Equal(49406, ids[0]);
        Assert.Equal(49407, ids[^1]);
        Assert.Equal([49406, 320, 1125, 539, 320, 2368, 49407], Tokenizer.Encode("a photo of a cat"));
    }

    [Fact]
    public void A_folder_without_a_tokenizer_is_a_clear_error()
    {
        using var folder = new TempDirectory();
        var error = Assert.Throws<FileNotFoundException>(() => ClipTokenizer.FromFolder(folder.Path));
        Assert.Contains("tokenizer.json", error.Message);
    }
}
