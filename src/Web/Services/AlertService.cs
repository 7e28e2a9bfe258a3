using Akka.Actor;
using Akka.Hosting;
using LogAggregator.Alerting;
using LogAggregator.Configuration;
using static LogAggregator.Alerting.AlertNotifierProtocol;

namespace LogAggregator.Web.Services;

public interface IAlertService
{
    Task<IReadOnlyList<AlertRecord>> ListAsync(int limit, string? agent, DeliveryState? state, CancellationToken cancellationToken);
    Task<AlertRecord?> GetAsync(string id, CancellationToken cancellationToken);
    Task<Silence> CreateSilenceAsync(SilenceMatcher matcher, TimeSpan duration, string comment, CancellationToken cancellationToken);
    Task<IReadOnlyList<Silence>> ListSilencesAsync(CancellationToken cancellationToken);
    Task<bool> DeleteSilenceAsync(string id, CancellationToken cancellationToken);
}

/// <summary>Asks the <see cref="AlertNotifier"/> singleton (through its proxy), bounded by the ask timeout and the request's cancellation.</summary>
public sealed class AlertService(IRequiredActor<AlertNotifier> notifier, LogAggregatorSettings settings) : IAlertService
{
    public async Task<IReadOnlyList<AlertRecord>> ListAsync(int limit, string? agent, DeliveryState? state, CancellationToken cancellationToken) =>
        (await Ask<ListAlertsResponse>(new ListAlerts(limit, agent, state), cancellationToken)).Alerts;

    public async Task<AlertRecord?> GetAsync(string id, CancellationToken cancellationToken) =>
        (await Ask<GetAlertResponse>(new GetAlert(id), cancellationToken)).Alert;

    public async Task<Silence> CreateSilenceAsync(SilenceMatcher matcher, TimeSpan duration, string comment, CancellationToken cancellationToken) =>
        (await Ask<CreateSilenceResponse>(new CreateSilence(matcher, duration, comment), cancellationToken)).Silence;

    public async Task<IReadOnlyList<Silence>> ListSilencesAsync(CancellationToken cancellationToken) =>
        (await Ask<ListSilencesResponse>(ListSilences.Instance, cancellationToken)).Silences;

    public async Task<bool> DeleteSilenceAsync(string id, CancellationToken cancellationToken) =>
        (await Ask<DeleteSilenceResponse>(new DeleteSilence(id), cancellationToken)).Found;

    private async Task<T> Ask<T>(IAlertNotifierCommand command, CancellationToken cancellationToken)
    {
        var actor = await notifier.GetAsync(cancellationToken);
        return await actor.Ask<T>(command, settings.Http.AskTimeout, cancellationToken);
    }
}
