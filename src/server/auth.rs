//! Who is asking: worked out once per request, before any handler runs.
//!
//! A request is an agent's when it carries a live API token (`Authorization: Bearer`),
//! the cookie of a live web session (made by signing in with a token at `/signin`), or,
//! from an address of `--trusted-proxy` only, the user header an authenticating proxy
//! sets (`--trusted-proxy-header X-Forwarded-User`). Anything else is anonymous. The
//! answer, a [`Viewer`], rides on the request (handlers take it as an extractor) and on
//! the task that serves it (the page frame reads it with [`current`]); the engine is
//! then asked as that reader, so what an agent may read never depends on a handler
//! remembering to check.
//!
//! A request from a `--trusted-proxy` address is also taken to come from the reader
//! the proxy names in `X-Forwarded-For`, so that readers behind one proxy are limited
//! and logged each on their own address, not all on the proxy's.
//!
//! An anonymous request costs nothing here: the database is asked only when a token or
//! a session cookie was sent. A bearer token that is not live is refused (401) rather
//! than read as anonymous, so that a script with a revoked token learns it at once; a
//! session that expired or was revoked is simply anonymous (the browser is asked to
//! sign in again where it matters).

use std::net::IpAddr;
use std::time::Duration;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use minijinja::context;

use super::forms::{cookie, posted, set_cookie};
use super::html::{page, redirect, PageError};
use super::layers::ClientAddr;
use super::AppState;
use crate::db::sessions::SignedInWith;
use crate::db::tokens::Role;
use crate::search::Reader;

/// The cookie of a signed-in browser: a random session secret, whose hash the database
/// keeps.
pub const SESSION_COOKIE: &str = "kbase_session";
/// Longest user name taken from a trusted proxy's header.
const MAX_PROXY_USER: usize = 256;

/// How a request proved who it is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// Nothing: an anonymous reader.
    Nothing,
    /// An API token.
    Bearer,
    /// A signed-in browser's session cookie.
    Session,
    /// A trusted proxy's user header.
    Proxy,
}

/// Who is asking, and what they may read.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// What the engine shows them.
    pub reader: Reader,
    /// The token's name, or the proxy's user; `None` when anonymous.
    pub name: Option<String>,
    /// The token's role (a proxy's user is an agent); `None` when anonymous.
    pub role: Option<Role>,
    /// How they proved it.
    pub via: Via,
    /// A bearer token was sent and is not live: API routes answer 401.
    refused: bool,
    /// Credentials were sent but the database that checks them is out of reach: the
    /// request is served as anonymous, and what needs an agent answers 503.
    unavailable: bool,
}

impl Viewer {
    /// An anonymous reader.
    pub fn anonymous() -> Viewer {
        Viewer {
            reader: Reader::Anonymous,
            name: None,
            role: None,
            via: Via::Nothing,
            refused: false,
            unavailable: false,
        }
    }

    fn agent(name: String, role: Role, via: Via) -> Viewer {
        Viewer {
            reader: Reader::Agent,
            name: Some(name),
            role: Some(role),
            via,
            refused: false,
            unavailable: false,
        }
    }

    /// Whether this is an agent (or an admin).
    pub fn is_agent(&self) -> bool {
        self.reader.is_agent()
    }

    /// `Ok` for an agent; 401 for anyone else (503 when their credentials could not be
    /// checked).
    pub fn agent_only(&self) -> Result<(), super::error::ApiError> {
        if self.is_agent() {
            Ok(())
        } else if self.unavailable {
            Err(super::error::ApiError::unavailable(
                "database_unavailable",
                "the database is unreachable or busy; retry shortly",
            ))
        } else {
            Err(super::tickets::unauthorised())
        }
    }
}

tokio::task_local! {
    static VIEWER: Viewer;
}

/// The viewer of the request this task serves (anonymous outside one): what the page
/// frame shows as signed in.
pub fn current() -> Viewer {
    VIEWER
        .try_with(Clone::clone)
        .unwrap_or_else(|_| Viewer::anonymous())
}

/// Middleware: works out the [`Viewer`] of each request, puts it on the request and
/// serves the request within its scope.
pub async fn identify(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let client = req.extensions().get::<ClientAddr>().map(|c| c.0);
    // The proxy's own address still decides whether its user header is believed; the
    // handlers see the reader's.
    let trusted = &state.config().trusted_proxies;
    if let Some(reader) = client.and_then(|peer| forwarded_client(trusted, req.headers(), peer)) {
        req.extensions_mut().insert(ClientAddr(reader));
    }
    let viewer = match viewer(&state, req.headers(), client).await {
        Ok(v) => v,
        // The database is out of reach: its tokens and sessions cannot be checked, so
        // the request is anonymous; the routes that need an agent answer 503 themselves.
        Err(_) => Viewer {
            unavailable: true,
            ..Viewer::anonymous()
        },
    };
    req.extensions_mut().insert(viewer.clone());
    VIEWER.scope(viewer, next.run(req)).await
}

/// Who sent a request with these `headers` from `client`.
pub async fn viewer(
    state: &AppState,
    headers: &HeaderMap,
    client: Option<IpAddr>,
) -> Result<Viewer, super::error::ApiError> {
    if let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(super::tickets::bearer_token)
    {
        return Ok(match super::tickets::verify(state, given).await? {
            Some(b) => Viewer::agent(b.name, b.role, Via::Bearer),
            None => Viewer {
                refused: true,
                ..Viewer::anonymous()
            },
        });
    }
    if let Some(secret) = cookie(headers, SESSION_COOKIE).filter(|s| !s.is_empty()) {
        if let Ok(db) = state.db() {
            let admin_token = state.config().admin_token.as_deref();
            if let Some(s) = db.session(secret, admin_token).await? {
                let name = s
                    .token_name
                    .unwrap_or_else(|| crate::config::ENV_ADMIN_TOKEN.to_owned());
                return Ok(Viewer::agent(name, s.role, Via::Session));
            }
        }
    }
    if let Some(user) = proxy_user(state, headers, client) {
        return Ok(Viewer::agent(user, Role::Agent, Via::Proxy));
    }
    Ok(Viewer::anonymous())
}

/// At most this many `X-Forwarded-For` hops are looked at, from the right: a chain of
/// trusted proxies is short, and a long header costs nothing.
const MAX_FORWARDED_HOPS: usize = 16;

/// `peer` as an IPv4 address when it is one reached over an IPv6 socket.
fn unmapped(peer: IpAddr) -> IpAddr {
    match peer {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(peer, IpAddr::V4),
        v4 => v4,
    }
}

/// Whether `addr` is one of the trusted proxies.
fn is_trusted(trusted: &[ipnet::IpNet], addr: IpAddr) -> bool {
    let addr = unmapped(addr);
    trusted.iter().any(|net| net.contains(&addr))
}

/// The reader's address behind trusted proxies: when `peer` is a trusted proxy, the
/// nearest address of `X-Forwarded-For` (read from the right, where each proxy appends
/// the address it was reached from) that is not itself a trusted proxy. `None` when
/// `peer` is not trusted (anyone can send the header), the header is absent, or a hop
/// is not an address: then the peer is the reader, as far as kbase can tell.
fn forwarded_client(trusted: &[ipnet::IpNet], headers: &HeaderMap, peer: IpAddr) -> Option<IpAddr> {
    if !is_trusted(trusted, peer) {
        return None;
    }
    let mut hops: Vec<&str> = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        hops.extend(value.to_str().ok()?.split(','));
    }
    let mut nearest = None;
    for hop in hops.iter().rev().take(MAX_FORWARDED_HOPS) {
        let hop = hop.trim();
        let addr = hop
            .parse::<IpAddr>()
            .or_else(|_| hop.parse::<std::net::SocketAddr>().map(|s| s.ip()))
            .ok()?;
        let addr = unmapped(addr);
        nearest = Some(addr);
        if !is_trusted(trusted, addr) {
            break;
        }
    }
    nearest
}

/// The user a trusted proxy names, when the server is told to believe one and the
/// request comes from one of its addresses; from any other address the header is
/// ignored, since anyone can send it.
fn proxy_user(state: &AppState, headers: &HeaderMap, client: Option<IpAddr>) -> Option<String> {
    let c = state.config();
    let name = c.trusted_proxy_header.as_ref()?;
    // An IPv4 client reached over an IPv6 socket is matched as IPv4.
    if !is_trusted(&c.trusted_proxies, client?) {
        return None;
    }
    let user = headers.get(name)?.to_str().ok()?.trim();
    (!user.is_empty() && user.len() <= MAX_PROXY_USER && !user.chars().any(char::is_control))
        .then(|| user.to_owned())
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Viewer, Response> {
        let viewer = parts
            .extensions
            .get::<Viewer>()
            .cloned()
            .unwrap_or_else(Viewer::anonymous);
        if viewer.refused {
            return Err(super::tickets::finish(Err(super::tickets::unauthorised())));
        }
        Ok(viewer)
    }
}

/// Where to go after signing in or out: a path of this server, never another site.
fn local_path(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

/// The sign-in form, with a message when a token was refused.
pub fn sign_in_page(
    state: &AppState,
    headers: &HeaderMap,
    next: &str,
    refused: Option<&str>,
    status: StatusCode,
) -> Response {
    let (csrf, set) = super::forms::csrf_token(headers);
    let mut r = page(
        state,
        status,
        "sign_in.html",
        context! { csrf, refused, next, q => "" },
    );
    super::forms::set_csrf_cookie(&mut r, set.as_deref(), state);
    r
}

/// `GET /signin?next=`: the sign-in form (or, for an agent already signed in, where
/// they were going).
pub async fn sign_in_form(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    headers: HeaderMap,
) -> Response {
    let p = super::params::Params::parse(raw.as_deref());
    let next = local_path(p.get("next"));
    if viewer.is_agent() {
        return redirect(StatusCode::SEE_OTHER, next);
    }
    sign_in_page(&state, &headers, &next, None, StatusCode::OK)
}

/// `POST /signin` (`token`, `next`): a live agent or admin token starts a session whose
/// secret goes to an `HttpOnly`, `SameSite=Strict` cookie (`Secure` under an https
/// public address); the token itself is never kept by the browser.
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form = match posted(&state, &headers, &body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let next = local_path(form.get("next"));
    let token = form.get("token").map(str::trim).unwrap_or("");
    let bearer = match super::tickets::verify(&state, token).await {
        Ok(b) => b,
        Err(e) => return PageError::from(e).into_response(),
    };
    let Some(bearer) = bearer.filter(|b| b.role >= Role::Agent) else {
        return sign_in_page(
            &state,
            &headers,
            &next,
            Some("That token is not a live agent or admin token."),
            StatusCode::UNAUTHORIZED,
        );
    };
    let Ok(db) = state.db() else {
        return PageError::refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "Signing in needs the database, which is out of reach just now.",
            Some(30),
        )
        .into_response();
    };
    // The bootstrap token has no row of its own: its sessions keep the token's hash,
    // so that changing it ends them.
    let with = if bearer.name == crate::config::ENV_ADMIN_TOKEN {
        SignedInWith::AdminToken(token)
    } else {
        SignedInWith::Token(&bearer.name)
    };
    let ttl = crate::db::sessions::SESSION_TTL;
    match db.create_session(with, bearer.role, ttl).await {
        Ok(secret) => {
            let mut r = redirect(StatusCode::SEE_OTHER, next);
            set_cookie(&mut r, &state, SESSION_COOKIE, &secret, secs(ttl));
            r
        }
        Err(e) => PageError::from(super::error::ApiError::from(e)).into_response(),
    }
}

fn secs(d: Duration) -> u64 {
    d.as_secs()
}

/// `POST /signout`: ends this browser's session (in the database, so a copied cookie
/// stops working too) and deletes its cookie.
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = posted(&state, &headers, &body) {
        return *r;
    }
    if let (Some(secret), Ok(db)) = (cookie(&headers, SESSION_COOKIE), state.db()) {
        if let Err(e) = db.end_session(secret).await {
            return PageError::from(super::error::ApiError::from(e)).into_response();
        }
    }
    let mut r = redirect(StatusCode::SEE_OTHER, "/".to_owned());
    set_cookie(&mut r, &state, SESSION_COOKIE, "", 0);
    r
}

/// `GET /signout`: the button that signs this browser out (a form, so that another site
/// cannot sign a reader out with a link).
pub async fn sign_out_form(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
) -> Response {
    if viewer.via != Via::Session {
        return redirect(StatusCode::SEE_OTHER, "/".to_owned());
    }
    let (csrf, set) = super::forms::csrf_token(&headers);
    let mut r = page(
        &state,
        StatusCode::OK,
        "sign_out.html",
        context! { csrf, q => "" },
    );
    super::forms::set_csrf_cookie(&mut r, set.as_deref(), &state);
    r
}

#[cfg(test)]
mod tests {
    use super::{forwarded_client, local_path};
    use axum::http::{HeaderMap, HeaderValue};
    use std::net::IpAddr;

    #[test]
    fn the_reader_behind_trusted_proxies_is_the_nearest_untrusted_hop() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let with = |values: &[&str]| {
            let mut h = HeaderMap::new();
            for v in values {
                h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
            }
            h
        };
        let proxy = ip("10.0.0.5");
        // What the reader wrote first is theirs to forge; the proxy's hop is not.
        let h = with(&["6.6.6.6, 203.0.113.7"]);
        assert_eq!(
            forwarded_client(&trusted, &h, proxy),
            Some(ip("203.0.113.7"))
        );
        // Through two proxies, in one header or two.
        let h = with(&["203.0.113.7, 10.0.0.9"]);
        assert_eq!(
            forwarded_client(&trusted, &h, proxy),
            Some(ip("203.0.113.7"))
        );
        let h = with(&["203.0.113.7", "10.0.0.9"]);
        assert_eq!(
            forwarded_client(&trusted, &h, proxy),
            Some(ip("203.0.113.7"))
        );
        // IPv6, a port, an IPv4 address mapped into IPv6.
        let h = with(&["[2001:db8::1]:443"]);
        assert_eq!(
            forwarded_client(&trusted, &h, proxy),
            Some(ip("2001:db8::1"))
        );
        let h = with(&["203.0.113.7"]);
        assert_eq!(
            forwarded_client(&trusted, &h, ip("::ffff:10.0.0.5")),
            Some(ip("203.0.113.7"))
        );
        // From anyone else, with no header or with a hop that is not an address: the
        // peer is the reader.
        assert_eq!(forwarded_client(&trusted, &h, ip("192.0.2.1")), None);
        assert_eq!(forwarded_client(&trusted, &HeaderMap::new(), proxy), None);
        assert_eq!(forwarded_client(&trusted, &with(&["unknown"]), proxy), None);
        assert_eq!(forwarded_client(&[], &h, proxy), None);
    }

    #[test]
    fn sign_in_goes_back_only_to_this_server() {
        assert_eq!(local_path(Some("/kb/Q1")), "/kb/Q1");
        assert_eq!(local_path(Some("//evil.example/x")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }
}
