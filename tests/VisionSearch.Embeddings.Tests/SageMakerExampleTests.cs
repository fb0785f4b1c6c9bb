using System.Net;
using System.Text.Json;
using VisionSearch.Embeddings.SageMaker;
using VisionSearch.Testing;

namespace VisionSearch.Embeddings.Tests;

/// <summary>
/// The client against model/examples, the request/response pairs model/tests/test_inference.py checks the
/// endpoint's script against: what the client sends must be the examples' requests, and what the examples
/// answer (the original's tuple form and the ModelError bodies included) must read as they mean.
/// </summary>
public sealed class SageMakerExampleTests
{
    public static TheoryData<string> Answers() =>
        [.. Directory.EnumerateFiles(Folder, "*.json").Where(f => !Load(f).TryGetProperty("model_error", out _)).Select(f => Path.GetFileNameWithoutExtension(f)!).Order()];

    private static string Folder => TestFiles.Repository("model", "examples");

    [Fact]
    public void Texts_are_sent_as_the_batch_example()
    {
        var example = Load(Path.Combine(Folder, "text-batch.json"));
        var texts = example.GetProperty("model_input").GetProperty("texts").EnumerateArray().Select(t => t.GetString()!).ToArray();

        var request = Assert.Single(SageMakerWire.Texts(texts, 32, SageMakerOptions.PayloadLimit));

        Assert.Equal(example.GetProperty("request").GetProperty("content_type").GetString(), request.ContentType);
        AssertJsonEqual(example.GetProperty("request").GetProperty("body"), request.Body);
    }

    [Fact]
    public void Images_are_sent_as_the_batch_example_or_raw_as_the_original_takes_them()
    {
        var batch = Load(Path.Combine(Folder, "image-batch.json")).GetProperty("request");
        var images = batch.GetProperty("body").GetProperty("images").EnumerateArray().Select(i => (ReadOnlyMemory<byte>)Convert.FromBase64String(i.GetString()!)).ToArray();
        AssertJsonEqual(batch.GetProperty("body"), Assert.Single(SageMakerWire.Images(images, 32, SageMakerOptions.PayloadLimit, batches: true)).Body);

        var raw = Load(Path.Combine(Folder, "image-raw.json")).GetProperty("request");
        var png = Convert.FromBase64String(raw.GetProperty("body_base64").GetString()!);
        var request = Assert.Single(SageMakerWire.Images([png], 32, SageMakerOptions.PayloadLimit, batches: false));
        Assert.Equal(raw.GetProperty("content_type").GetString(), request.ContentType);
        Assert.Equal(png, request.Body);
    }

    [Theory]
    [MemberData(nameof(Answers))]
    public void Every_answer_reads_as_its_vectors(string name)
    {
        var example = Load(Path.Combine(Folder, name + ".json"));
        var expected = example.GetProperty("model_output").EnumerateArray().Select(v => UnitVectors.Normalize([.. v.EnumerateArray().Select(x => x.GetSingle())])).ToArray();
        var body = JsonSerializer.SerializeToUtf8Bytes(example.GetProperty("response").GetProperty("body"));

        var vectors = SageMakerWire.ReadVectors(body, expected.Length, "example");

        Assert.Equal(expected.Length, vectors.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], vectors[i], (a, b) => Math.Abs(a - b) < 1e-6);
        }
    }

    [Fact]
    public void An_answer_with_the_wrong_count_or_shape_is_a_clear_error()
    {
        var short1 = Assert.Throws<InvalidOperationException>(() => SageMakerWire.ReadVectors("[[1,0],[0,1]]"u8, 3, "ep"));
        Assert.Equal("SageMaker endpoint 'ep' answered 2 vectors of 2 floats for 3 inputs.", short1.Message);
        var html = Assert.Throws<InvalidOperationException>(() => SageMakerWire.ReadVectors("<html>oops</html>"u8, 1, "ep"));
        Assert.Equal("SageMaker endpoint 'ep' answered something other than a list of vectors: <html>oops</html>", html.Message);
    }

    [Theory]
    [InlineData("error-not-an-image")]
    [InlineData("error-wrong-shape")]
    public void A_model_error_example_carries_the_scripts_message(string name)
    {
        var example = Load(Path.Combine(Folder, name + ".json"));
        var answer = example.GetProperty("response");
        using var response = new HttpResponseMessage((HttpStatusCode)answer.GetProperty("status").GetInt32());
        foreach (var header in answer.GetProperty("headers").EnumerateObject())
        {
            response.Headers.Add(header.Name, header.Value.GetString());
        }

        var error = Aws.AwsServiceException.FromResponse(response, JsonSerializer.SerializeToUtf8Bytes(answer.GetProperty("body")));
        var model = SageMakerModelException.From("visionsearch-clip", error);

        Assert.Equal(("ModelError", 400), (error.Code, model.OriginalStatusCode));
        Assert.Equal(example.GetProperty("model_error").GetString(), model.ScriptMessage);
    }

    private static JsonElement Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        return document.RootElement.Clone();
    }

    private static void AssertJsonEqual(JsonElement expected, byte[] actual)
    {
        using var parsed = JsonDocument.Parse(actual);
        Assert.True(JsonElement.DeepEquals(expected, parsed.RootElement), $"expected {expected.GetRawText()}, sent {parsed.RootElement.GetRawText()}");
    }
}
