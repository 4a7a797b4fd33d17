import Prometheus

/// The front-end's Prometheus metrics: requests by status, their latency, forwards retried, requests
/// in flight. Exposed at `/metrics` in the text format.
public final class FrontendMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    /// Retries of a forward (after a 421 or an unreachable agent).
    public let forwardRetries: Counter
    /// Vault requests being handled now.
    public let inFlight: Gauge
    private let latency: DurationHistogram

    public init() {
        forwardRetries = registry.makeCounter(
            name: "coffer_frontend_forward_retries_total", help: "Forwards sent again to another agent.")
        inFlight = registry.makeGauge(name: "coffer_frontend_requests_in_flight", help: "Vault requests being handled.")
        latency = registry.makeDurationHistogram(
            name: "coffer_frontend_request_duration_seconds",
            buckets: [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                      .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)],
            help: "Time from a vault request's head to its answer.")
    }

    /// Counts one answered vault request with `status`, which took `duration`.
    public func answered(status: Int, after duration: Duration) {
        registry.makeCounter(name: "coffer_frontend_requests_total", labels: [("status", String(status))],
                             help: "Vault requests answered, by HTTP status.").increment()
        latency.record(duration)
    }

    /// The text exposition format.
    public func exposition() -> String { registry.emitToString() }
}
