//! The server's Prometheus metrics, owned by its state rather than a process-wide
//! recorder, so that several servers (tests) in one process keep separate counts.
//!
//! Exposed at `GET /metrics`: requests and their latency by route and status, searches
//! and zero-hit searches, the documents in the index, and the time and outcome of the
//! last reload.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use metrics::{Key, Label, Level, Metadata, Recorder, SharedString, Unit};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

const META: Metadata<'static> = Metadata::new("kbase", Level::INFO, Some("kbase::server"));
/// Latency buckets in seconds: fine below 10 ms where kbase lives, coarse above.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The metrics of one server.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Empty metrics, with their help texts.
    pub fn new() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets(BUCKETS)
            .map(PrometheusBuilder::build_recorder)
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let handle = recorder.handle();
        let help = |name: &'static str, unit: Option<Unit>, text: &'static str| {
            (name, unit, SharedString::from(text))
        };
        for (name, unit, text) in [
            help(
                "kbase_http_requests_total",
                None,
                "HTTP requests answered, by route, method and status.",
            ),
            help(
                "kbase_http_request_duration_seconds",
                Some(Unit::Seconds),
                "Time to answer HTTP requests, by route, method and status.",
            ),
            help(
                "kbase_searches_total",
                None,
                "Searches run (API, suggest and pages).",
            ),
            help(
                "kbase_searches_zero_hits_total",
                None,
                "Searches that found nothing.",
            ),
            help(
                "kbase_query_log_written_total",
                None,
                "Searches written to the query log.",
            ),
            help(
                "kbase_query_log_dropped_total",
                None,
                "Searches left out of the query log, by reason: queue_full (the database fell behind), database (a write failed).",
            ),
            help(
                "kbase_query_log_queue",
                None,
                "Searches waiting to be written to the query log.",
            ),
            help(
                "kbase_index_documents",
                None,
                "Articles in the index being served.",
            ),
            help(
                "kbase_index_reloads_total",
                None,
                "Index reloads, by outcome.",
            ),
            help(
                "kbase_index_last_reload_timestamp_seconds",
                Some(Unit::Seconds),
                "Unix time of the last successful reload.",
            ),
            help(
                "kbase_index_last_reload_duration_seconds",
                Some(Unit::Seconds),
                "How long the last successful reload took.",
            ),
        ] {
            let key = name.into();
            if name.ends_with("_total") {
                recorder.describe_counter(key, unit, text);
            } else if name.ends_with("duration_seconds") && name.starts_with("kbase_http") {
                recorder.describe_histogram(key, unit, text);
            } else {
                recorder.describe_gauge(key, unit, text);
            }
        }
        Metrics { recorder, handle }
    }

    fn key(name: &'static str, labels: Vec<Label>) -> Key {
        Key::from_parts(name, labels)
    }

    /// Counts one answered request. Every label is a `&'static str` from a fixed set
    /// (see [`method_label`] and [`status_label`]), so nothing is allocated for them and
    /// no caller can add label values.
    pub fn request(&self, route: &'static str, method: &'static str, status: u16, took: Duration) {
        let labels = || {
            vec![
                Label::from_static_parts("route", route),
                Label::from_static_parts("method", method),
                Label::from_static_parts("status", status_label(status)),
            ]
        };
        self.recorder
            .register_counter(&Self::key("kbase_http_requests_total", labels()), &META)
            .increment(1);
        self.recorder
            .register_histogram(
                &Self::key("kbase_http_request_duration_seconds", labels()),
                &META,
            )
            .record(took.as_secs_f64());
    }

    /// Counts one search, and whether it found nothing.
    pub fn search(&self, total: usize) {
        self.recorder
            .register_counter(&Self::key("kbase_searches_total", vec![]), &META)
            .increment(1);
        if total == 0 {
            self.recorder
                .register_counter(&Self::key("kbase_searches_zero_hits_total", vec![]), &META)
                .increment(1);
        }
    }

    /// Counts searches the query log wrote.
    pub fn query_log_written(&self, n: usize) {
        self.recorder
            .register_counter(&Self::key("kbase_query_log_written_total", vec![]), &META)
            .increment(n as u64);
    }

    /// Counts searches left out of the query log: `reason` is `queue_full` or `database`.
    pub fn query_log_dropped(&self, reason: &'static str, n: usize) {
        self.recorder
            .register_counter(
                &Self::key(
                    "kbase_query_log_dropped_total",
                    vec![Label::from_static_parts("reason", reason)],
                ),
                &META,
            )
            .increment(n as u64);
    }

    /// The searches waiting in the query log's queue.
    pub fn query_log_queue(&self, n: usize) {
        self.recorder
            .register_gauge(&Self::key("kbase_query_log_queue", vec![]), &META)
            .set(n as f64);
    }

    /// Records a reload: its outcome, and when it worked, the documents served.
    pub fn reload(&self, documents: Option<u64>, took: Duration) {
        let outcome = if documents.is_some() { "ok" } else { "failed" };
        self.recorder
            .register_counter(
                &Self::key(
                    "kbase_index_reloads_total",
                    vec![Label::new("outcome", outcome)],
                ),
                &META,
            )
            .increment(1);
        if let Some(n) = documents {
            let gauge = |name| {
                self.recorder
                    .register_gauge(&Self::key(name, vec![]), &META)
            };
            gauge("kbase_index_documents").set(n as f64);
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64());
            gauge("kbase_index_last_reload_timestamp_seconds").set(now);
            gauge("kbase_index_last_reload_duration_seconds").set(took.as_secs_f64());
        }
    }

    /// Folds recorded latencies into their buckets; run every few seconds so memory stays
    /// flat between scrapes.
    pub fn upkeep(&self) {
        self.handle.run_upkeep();
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        self.handle.render()
    }
}

/// The `method` label of a request: the method's name for the standard ones, `other`
/// for anything a client made up.
pub fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "other",
    }
}

/// The `status` label of a response: the code for those kbase answers, the class
/// (`2xx` … `5xx`) for any other.
pub fn status_label(status: u16) -> &'static str {
    const KNOWN: &[(u16, &str)] = &[
        (200, "200"),
        (201, "201"),
        (204, "204"),
        (301, "301"),
        (302, "302"),
        (303, "303"),
        (304, "304"),
        (400, "400"),
        (401, "401"),
        (403, "403"),
        (404, "404"),
        (405, "405"),
        (408, "408"),
        (413, "413"),
        (414, "414"),
        (415, "415"),
        (422, "422"),
        (429, "429"),
        (431, "431"),
        (500, "500"),
        (503, "503"),
    ];
    match KNOWN.iter().find(|(code, _)| *code == status) {
        Some((_, label)) => label,
        None => match status / 100 {
            1 => "1xx",
            2 => "2xx",
            3 => "3xx",
            4 => "4xx",
            _ => "5xx",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_come_from_a_fixed_set() {
        assert_eq!(method_label(&axum::http::Method::GET), "GET");
        let made_up = axum::http::Method::from_bytes(b"BREW").unwrap();
        assert_eq!(method_label(&made_up), "other");
        assert_eq!(status_label(404), "404");
        assert_eq!(status_label(418), "4xx");
        assert_eq!(status_label(599), "5xx");
    }
}
