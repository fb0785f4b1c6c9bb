using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace VisionSearch.Embeddings.SageMaker;

/// <summary>
/// The request and response bodies of VisionSearch's endpoint (model/code/inference.py; examples in
/// model/examples): texts as <c>{"inputs": [texts]}</c>, images as <c>{"images": [base64, …]}</c> or one raw
/// image with its content type (the Python original's contract), vectors back as <c>[[floats], …]</c> or, from
/// the original's script, as the tuple <c>["[[floats], …]", "application/json"]</c>.
/// </summary>
internal static class SageMakerWire
{
    public const string Json = "application/json";

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One InvokeEndpoint call: the items [First, First + Count) of the caller's list, and the body carrying them.</summary>
    internal readonly record struct Request(int First, int Count, string ContentType, byte[] Body);

    /// <summary>Texts in order, as many per request as <paramref name="maxItems"/> and <paramref name="maxBytes"/> allow.</summary>
    /// <exception cref="InvalidDataException">A text alone is over <paramref name="maxBytes"/>.</exception>
    public static IEnumerable<Request> Texts(IReadOnlyList<string> texts, int maxItems, int maxBytes) =>
        Batches(texts.Count, maxItems, maxBytes, "{\"inputs\":["u8.ToArray(), i => JsonSerializer.SerializeToUtf8Bytes(texts[i], Compact), i => null, "Text");

    /// <summary>
    /// Images in order: base64 batches when the endpoint takes them, else (or for an image whose base64 alone
    /// passes the limit) one raw image per request.
    /// </summary>
    /// <exception cref="InvalidDataException">An image alone is over <paramref name="maxBytes"/>.</exception>
    public static IEnumerable<Request> Images(IReadOnlyList<ReadOnlyMemory<byte>> images, int maxItems, int maxBytes, bool batches)
    {
        if (batches)
        {
            return Batches(images.Count, maxItems, maxBytes, "{\"images\":["u8.ToArray(), i => Base64Item(images[i].Span), i => Raw(i, images[i], maxBytes), "Image");
        }

        return Enumerable.Range(0, images.Count).Select(i => Raw(i, images[i], maxBytes) ?? throw TooLarge("Image", i, images[i].Length, maxBytes));
    }

    /// <summary>The vectors of an answer, which must hold one per item sent.</summary>
    /// <exception cref="InvalidOperationException">The answer is not a list of <paramref name="expected"/> vectors of one length.</exception>
    public static float[][] ReadVectors(ReadOnlySpan<byte> body, int expected, string endpoint)
    {
        var vectors = Parse(body, endpoint);
        if (vectors.Length != expected || vectors.Any(v => v.Length != vectors[0].Length || v.Length == 0))
        {
            throw new InvalidOperationException(
                $"SageMaker endpoint '{endpoint}' answered {vectors.Length} vectors of {string.Join('/', vectors.Select(v => v.Length).Distinct())} floats for {expected} inputs.");
        }

        return vectors;
    }

    private static float[][] Parse(ReadOnlySpan<byte> body, string endpoint)
    {
        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0 && root[0].ValueKind == JsonValueKind.String)
            {
                // output_fn returned (json, content type) and the model server serialised the tuple.
                return Parse(Encoding.UTF8.GetBytes(root[0].GetString()!), endpoint);
            }

            return root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0 && root[0].ValueKind == JsonValueKind.Number
                ? [Floats(root)]
                : [.. root.EnumerateArray().Select(Floats)];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidOperationException($"SageMaker endpoint '{endpoint}' answered something other than a list of vectors: {Preview(body)}", e);
        }
    }

    private static float[] Floats(JsonElement vector) => [.. vector.EnumerateArray().Select(x => x.GetSingle())];

    private static IEnumerable<Request> Batches(
        int count, int maxItems, int maxBytes, byte[] prefix, Func<int, byte[]> encode, Func<int, Request?> alone, string kind)
    {
        var items = new List<byte[]>();
        var first = 0;
        var size = prefix.Length + 2; // "]}"
        for (var i = 0; i < count; i++)
        {
            var item = encode(i);
            var grown = size + item.Length + (items.Count > 0 ? 1 : 0);
            if (items.Count > 0 && (items.Count == maxItems || grown > maxBytes))
            {
                yield return Close(first, prefix, items);
                items.Clear();
                first = i;
                size = prefix.Length + 2;
                grown = size + item.Length;
            }

            if (grown > maxBytes)
            {
                yield return alone(i) ?? throw TooLarge(kind, i, item.Length, maxBytes);
                first = i + 1;
                continue;
            }

            items.Add(item);
            size = grown;
        }

        if (items.Count > 0)
        {
            yield return Close(first, prefix, items);
        }
    }

    private static Request Close(int first, byte[] prefix, List<byte[]> items)
    {
        var body = new MemoryStream();
        body.Write(prefix);
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                body.WriteByte((byte)',');
            }

            body.Write(items[i]);
        }

        body.Write("]}"u8);
        return new Request(first, items.Count, Json, body.ToArray());
    }

    private static byte[] Base64Item(ReadOnlySpan<byte> image)
    {
        var item = new byte[((image.Length + 2) / 3 * 4) + 2];
        item[0] = item[^1] = (byte)'"';
        System.Buffers.Text.Base64.EncodeToUtf8(image, item.AsSpan(1, item.Length - 2), out _, out _);
        return item;
    }

    /// <summary>One image as the raw body, typed by its signature as the original's script expects; null when it passes the limit.</summary>
    private static Request? Raw(int index, ReadOnlyMemory<byte> image, int maxBytes)
    {
        if (image.Length > maxBytes)
        {
            return null;
        }

        var type = ImageMediaTypes.Sniff(image.Span) ?? "application/x-image";
        return new Request(index, 1, type, image.ToArray());
    }

    private static InvalidDataException TooLarge(string kind, int index, int bytes, int maxBytes) =>
        new($"{kind} {index}: {bytes:N0} bytes encoded, over the {maxBytes:N0}-byte limit of a SageMaker request.");

    private static string Preview(ReadOnlySpan<byte> body) =>
        body.Length <= 200 ? Encoding.UTF8.GetString(body) : Encoding.UTF8.GetString(body[..200]) + "…";
}
