using Microsoft.Extensions.Options;
using VisionSearch.Contracts;
using VisionSearch.Silo.Persistence;

namespace VisionSearch.Silo.Ingestion;

/// <summary>
/// Every <see cref="IngestionOptions.ResumeInterval"/>, touches the index grain of each dataset Redis lists
/// as building. A live build ignores it; a build whose silo died is reactivated by Orleans on a live silo
/// (once membership has declared the dead one dead), and its activation resumes from the checkpoint. The interval runs
/// on the host's clock.
/// </summary>
internal sealed partial class BuildResumer(
    BuildRecordStore records, IGrainFactory grains, IOptions<IngestionOptions> options, TimeProvider time, ILogger<BuildResumer> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ResumeInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                foreach (var dataset in await records.BuildingAsync())
                {
                    await grains.GetGrain<IDatasetIndexGrain>(dataset).ResumeAsync();
                }
            }
#pragma warning disable CA1031 // Redis or the cluster is in transition; the next tick tries again.
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                LogDeferred(logger, e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Resuming builds deferred: {Reason}")]
    private static partial void LogDeferred(ILogger logger, string reason);
}
