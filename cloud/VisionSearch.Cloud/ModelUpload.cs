using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace VisionSearch.Cloud;

/// <summary>
/// Puts the archive in S3 once: its key holds the archive's hash, so an object already there with the same
/// size is the same archive and is not sent again. Files over <c>partSize</c> go up as a multipart upload,
/// four parts at a time, with progress; a failed one is aborted so no orphan parts are billed. Payloads are
/// signed whole rather than in aws-chunked frames, which S3-compatible servers (s3rver, MinIO behind some
/// proxies) store verbatim.
/// </summary>
internal sealed class ModelUpload(IAmazonS3 s3, long partSize = 16L << 20)
{
    private const int PartsInFlight = 4;

    /// <summary>Uploads <paramref name="file"/> to <paramref name="bucket"/>/<paramref name="key"/> unless it is there; returns whether it was sent.</summary>
    public async Task<bool> UploadAsync(string file, string bucket, string key, IProgress<(long Sent, long Total)>? progress, CancellationToken cancellationToken)
    {
        var size = new FileInfo(file).Length;
        try
        {
            var existing = await s3.GetObjectMetadataAsync(bucket, key, cancellationToken);
            if (existing.ContentLength == size)
            {
                return false;
            }
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            // Not uploaded yet.
        }

        if (size <= partSize)
        {
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, FilePath = file, ContentType = "application/gzip", UseChunkEncoding = false }, cancellationToken);
            progress?.Report((size, size));
            return true;
        }

        await UploadPartsAsync(file, size, bucket, key, progress, cancellationToken);
        return true;
    }

    private async Task UploadPartsAsync(string file, long size, string bucket, string key, IProgress<(long Sent, long Total)>? progress, CancellationToken cancellationToken)
    {
        var part = Math.Max(partSize, (size / 10_000) + 1); // S3 allows 10,000 parts
        var count = (int)((size + part - 1) / part);
        var upload = await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = key, ContentType = "application/gzip" }, cancellationToken);
        try
        {
            var sent = new long[count];
            var etags = new PartETag[count];
            await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = PartsInFlight, CancellationToken = cancellationToken }, async (i, ct) =>
            {
                var request = new UploadPartRequest
                {
                    BucketName = bucket,
                    Key = key,
                    UploadId = upload.UploadId,
                    PartNumber = i + 1,
                    FilePath = file,
                    FilePosition = i * part,
                    PartSize = Math.Min(part, size - (i * part)),
                    UseChunkEncoding = false,
                };
                request.StreamTransferProgress += (_, e) =>
                {
                    Volatile.Write(ref sent[i], e.TransferredBytes);
                    progress?.Report((sent.Sum(), size));
                };
                var response = await s3.UploadPartAsync(request, ct);
                etags[i] = new PartETag(i + 1, response.ETag);
            });
            await s3.CompleteMultipartUploadAsync(
                new CompleteMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = upload.UploadId, PartETags = [.. etags] }, cancellationToken);
            progress?.Report((size, size));
        }
        catch
        {
            await s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = upload.UploadId }, CancellationToken.None);
            throw;
        }
    }
}
