//! The HTTP server: the router over [`AppState`], and `kbase serve`.
//!
//! [`router`] builds the whole `Router` so tests can call it without a socket; [`serve`]
//! runs it on a listener until a shutdown signal.
//!
//! Layout: `state` (configuration, the engine being served, reload and watch), `serve`
//! (the accept loop, timeouts, shutdown), `params` (query strings → engine requests, for
//! the API and the pages alike), `api` (JSON handlers and their OpenAPI descriptions),
//! `pages` (HTML handlers), `html` (the frame of every page, and errors as pages), `error` (problem+json),
//! `layers` (middleware), `tickets` (the ticket API and bearer tokens), `insights` (the
//! query log, the gaps and the most searched), `forms` (posting from pages: "Did this fix
//! it?", signing in, cross-site protection), `metrics` (Prometheus), `templates`, `links` (permalinks, absolute under the public address).

pub mod api;
pub mod auth;
pub mod error;
pub mod forms;
pub mod html;
pub mod insights;
pub mod layers;
pub mod links;
pub mod metrics;
pub mod pages;
pub mod params;
pub mod serve;
pub mod state;
pub mod templates;
pub mod tickets;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method};
use axum::middleware::from_fn;
use axum::middleware::from_fn_with_state;
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::config;
use error::ApiError;
pub use serve::{run, serve, shutdown_signal};
pub use state::{AppState, ServerConfig, Watching};

/// The whole HTTP surface over `state`: API, operational endpoints, permalinks, and the
/// middleware of [`layers`].
pub fn router(state: AppState) -> Router {
    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(api::search))
        .routes(routes!(api::article))
        .routes(routes!(api::events))
        .routes(routes!(api::suggest))
        .routes(routes!(api::reindex))
        .routes(routes!(api::openapi))
        .routes(routes!(api::healthz))
        .routes(routes!(api::readyz))
        .routes(routes!(api::metrics))
        .routes(routes!(api::rendition))
        .routes(routes!(api::permalink))
        .routes(routes!(tickets::put_link, tickets::delete_link))
        .routes(routes!(tickets::ticket))
        .routes(routes!(tickets::article_tickets))
        .routes(routes!(insights::gaps))
        .routes(routes!(insights::top))
        .split_for_parts();
    let pages = Router::new()
        .route("/", axum::routing::get(pages::home))
        .route("/search", axum::routing::get(pages::search))
        .route("/events", axum::routing::get(pages::events))
        .route("/events/{id}", axum::routing::get(pages::event))
        .route("/products", axum::routing::get(pages::products))
        .route("/products/{slug}", axum::routing::get(pages::product))
        .route("/eventviewer", axum::routing::get(pages::eventviewer))
        .route("/insights", axum::routing::get(insights::page_view))
        .route("/review", axum::routing::get(pages::review))
        .route("/feed.atom", axum::routing::get(pages::feed))
        .route(
            "/signin",
            axum::routing::get(auth::sign_in_form).post(auth::sign_in),
        )
        .route(
            "/signout",
            axum::routing::get(auth::sign_out_form).post(auth::sign_out),
        )
        .route("/insights/template", axum::routing::get(insights::template))
        .route("/kb/{id}/feedback", axum::routing::post(forms::feedback))
        .route("/opensearch.xml", axum::routing::get(pages::opensearch))
        .route("/static/{name}", axum::routing::get(pages::static_file));
    let _ = state
        .0
        .openapi
        .set(openapi.to_json().unwrap_or_else(|_| "{}".into()));
    let mut app = api
        .merge(pages)
        .fallback(pages::not_found)
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this resource does not accept that method",
            )
        })
        // Innermost first: each `.layer` wraps what is above it.
        .layer(from_fn_with_state(state.clone(), html::render_errors))
        // Who asks, for the handlers and for the error pages that search.
        .layer(from_fn_with_state(state.clone(), auth::identify))
        .layer(from_fn_with_state(state.clone(), layers::timeout))
        .layer(DefaultBodyLimit::max(config::MAX_BODY_BYTES))
        .layer(from_fn(layers::refuse_large_bodies))
        .layer(from_fn_with_state(state.clone(), layers::limit_in_flight))
        .layer(CompressionLayer::new())
        .layer(from_fn(layers::problem_bodies))
        .layer(CatchPanicLayer::custom(layers::panic_response));
    // CORS inside the security headers and the metrics, so that its preflight answers
    // carry the headers and are counted too.
    if !state.config().cors_origins.is_empty() {
        let origins: Vec<HeaderValue> = state
            .config()
            .cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        app = app.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([axum::http::header::CONTENT_TYPE]),
        );
    }
    app.layer(from_fn(layers::security_headers))
        .layer(from_fn_with_state(state.clone(), layers::observe))
        .layer(PropagateRequestIdLayer::new(layers::X_REQUEST_ID.clone()))
        .layer(SetRequestIdLayer::new(
            layers::X_REQUEST_ID.clone(),
            layers::RequestIds::default(),
        ))
        .with_state(state)
}

/// Every route the router has, as its matched path: the `route` label of the request
/// metrics comes from this list, so that it needs no allocation and has a fixed set of
/// values (a matched path missing here counts as `other`; a test keeps it complete).
const ROUTES: &[&str] = &[
    "/api/v1/search",
    "/api/v1/articles/{id}",
    "/api/v1/events/{event_id}",
    "/api/v1/suggest",
    "/api/v1/tickets/{ticket}/articles/{article_id}",
    "/api/v1/tickets/{ticket}",
    "/api/v1/articles/{id}/tickets",
    "/api/v1/insights/gaps",
    "/api/v1/insights/top",
    "/api/v1/admin/reindex",
    "/api/v1/openapi.json",
    "/healthz",
    "/readyz",
    "/metrics",
    "/kb/{file}",
    "/{permalink}",
    "/",
    "/search",
    "/events",
    "/events/{id}",
    "/products",
    "/products/{slug}",
    "/eventviewer",
    "/insights",
    "/signin",
    "/signout",
    "/review",
    "/feed.atom",
    "/insights/template",
    "/kb/{id}/feedback",
    "/opensearch.xml",
    "/static/{name}",
];

/// The `route` label of a matched path.
pub(crate) fn route_label(matched: &str) -> &'static str {
    ROUTES
        .iter()
        .find(|r| **r == matched)
        .copied()
        .unwrap_or("other")
}

/// The OpenAPI document's fixed parts; the paths come from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(title = "kbase", description = "Knowledge-base articles for IT helpdesks: search by event ID, error code, article id or words; read articles and their fixes."),
    modifiers(&BearerAuth),
    components(schemas(error::Problem))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}
