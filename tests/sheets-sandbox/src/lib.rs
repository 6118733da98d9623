//! A faithful fake of what a Google Sheets client talks to, for tests and demos (there is
//! no network to Google here):
//!
//! - the OAuth token endpoint for service accounts (`POST /token`, the JWT-bearer grant
//!   with RS256 assertions, checked as Google checks them; `ya29.` tokens for an hour);
//! - Sheets v4: `GET /v4/spreadsheets/{id}`, `GET /v4/spreadsheets/{id}/values/{range}`
//!   and `values:batchGet`, with A1 ranges, `majorDimension`, `valueRenderOption` and
//!   `dateTimeRenderOption` rendered in each spreadsheet's locale, ragged rows trimmed;
//! - Drive v3: `GET /drive/v3/files/{id}?fields=version,modifiedTime`, the version moving
//!   on every edit, formatting-only ones included;
//! - Google's errors: 401, 403 (scope, not shared), 404, 400 (ranges), 429 per account
//!   and per project read quotas.
//!
//! The spreadsheets are supplier price lists generated from a seed, each in its own
//! layout and locale, with a share of bad rows; [`Sandbox::truth`] says what a correct
//! import stores and refuses, after any edit. Admin endpoints under `/_sandbox` edit
//! cells and columns, change formats only, share and unshare, print key files, move the
//! clock and set faults (slow calls, 5xx, quota exhaustion), and write each price list
//! as the CSV, XLSX or ODS file its supplier would send instead. Calls are counted.

// Handlers' checks return the HTTP response to send when they refuse a call.
#![allow(clippy::result_large_err)]

pub mod a1;
mod accounts;
mod admin;
mod api;
pub mod book;
pub mod files;
mod oauth;
pub mod render;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use tokio::net::TcpListener;

pub use accounts::{ServiceAccount, sign_jwt};
pub use book::{Locale, PriceRow, Rejected, Truth};
pub use oauth::{ACCESS_TOKEN_TTL, DRIVE_SCOPES, JWT_BEARER, SHEETS_SCOPES};

use book::{Role, Spreadsheet, Value};

/// How a sandbox is set up.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub seed: u64,
    /// Suppliers, one spreadsheet each (layouts and locales take turns).
    pub suppliers: u32,
    /// Price rows per spreadsheet (about one in ten bad).
    pub rows: u32,
    /// The Google Cloud project the service accounts belong to.
    pub project: String,
    pub quota: Quota,
    pub faults: Faults,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed: 42,
            suppliers: 4,
            rows: 40,
            project: "adsync-sandbox".into(),
            quota: Quota::default(),
            faults: Faults::default(),
        }
    }
}

/// Sheets' read quotas: per service account and per project, per window (a minute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Quota {
    pub per_account: u32,
    pub per_project: u32,
    pub window_ms: u64,
}

impl Default for Quota {
    fn default() -> Self {
        Quota {
            per_account: 60,
            per_project: 300,
            window_ms: 60_000,
        }
    }
}

/// Faults to inject.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Share of API calls answered 500 or 503 (in turn), 0.0 to 1.0.
    pub error_ratio: f64,
    /// Share of API calls delayed by `slow_ms`.
    pub slow_ratio: f64,
    pub slow_ms: u64,
    /// Every read refused with 429, as if the quota were spent.
    pub exhausted: bool,
}

/// The quota windows (real time).
#[derive(Debug)]
pub(crate) struct QuotaState {
    limits: Quota,
    window: Mutex<(Instant, HashMap<String, u32>, u32)>,
}

impl QuotaState {
    /// Takes one read for `email`; Google's message when a limit is reached.
    pub(crate) fn take(&self, email: &str) -> Result<(), String> {
        let mut w = self.window.lock().expect("lock");
        if w.0.elapsed() >= Duration::from_millis(self.limits.window_ms) {
            *w = (Instant::now(), HashMap::new(), 0);
        }
        let used = w.1.get(email).copied().unwrap_or(0);
        let (metric, limit) = if used >= self.limits.per_account {
            ("Read requests per minute per user", self.limits.per_account)
        } else if w.2 >= self.limits.per_project {
            ("Read requests per minute", self.limits.per_project)
        } else {
            *w.1.entry(email.to_owned()).or_default() += 1;
            w.2 += 1;
            return Ok(());
        };
        Err(format!(
            "Quota exceeded for quota metric 'Read requests' and limit '{metric}' of service 'sheets.googleapis.com' ({limit})."
        ))
    }
}

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) config: SandboxConfig,
    pub(crate) accounts: Vec<ServiceAccount>,
    pub(crate) tokens: oauth::Tokens,
    pub(crate) books: RwLock<Vec<Spreadsheet>>,
    pub(crate) quota: QuotaState,
    pub(crate) faults: RwLock<Faults>,
    fault_calls: AtomicU64,
    pub(crate) calls: Mutex<BTreeMap<String, u64>>,
    /// Sandbox time = real time + this offset.
    pub(crate) offset: Mutex<TimeDelta>,
    base_url: OnceLock<String>,
}

impl State {
    pub(crate) fn count(&self, endpoint: &str) {
        *self
            .calls
            .lock()
            .expect("lock")
            .entry(endpoint.to_owned())
            .or_default() += 1;
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        Utc::now() + *self.offset.lock().expect("lock")
    }

    pub(crate) fn base_url(&self) -> String {
        self.base_url.get().cloned().unwrap_or_default()
    }

    pub(crate) fn token_url(&self) -> String {
        format!("{}/token", self.base_url())
    }

    pub(crate) fn book(&self, id: &str) -> Option<Spreadsheet> {
        self.books
            .read()
            .expect("lock")
            .iter()
            .find(|b| b.id == id)
            .cloned()
    }

    /// Applies `f` to spreadsheet `id`; `None` when there is none.
    pub(crate) fn with_book<T>(
        &self,
        id: &str,
        f: impl FnOnce(&mut Spreadsheet) -> T,
    ) -> Option<T> {
        let mut books = self.books.write().expect("lock");
        books.iter_mut().find(|b| b.id == id).map(f)
    }

    /// The fault this call meets, if any: a delay (waited here) or an error answer.
    pub(crate) async fn faults_hit(&self) -> Option<Response> {
        let faults = self.faults.read().expect("lock").clone();
        let n = self.fault_calls.fetch_add(1, Ordering::SeqCst);
        let roll = |salt: u64| {
            let mut rng = book::Rng::new(self.config.seed ^ salt, n);
            (rng.next() % 10_000) as f64 / 10_000.0
        };
        if roll(1) < faults.slow_ratio {
            tokio::time::sleep(Duration::from_millis(faults.slow_ms)).await;
        }
        if faults.exhausted {
            return Some(api::google_error(
                StatusCode::TOO_MANY_REQUESTS,
                "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' of service 'sheets.googleapis.com'.",
            ));
        }
        if roll(2) < faults.error_ratio {
            return Some(if n.is_multiple_of(2) {
                api::google_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal error encountered.",
                )
            } else {
                api::google_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The service is currently unavailable.",
                )
            });
        }
        None
    }
}

/// A change an admin makes to a spreadsheet; every one moves its Drive version but
/// sharing.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Edit {
    /// Sets one cell of the price sheet (`a1`: e.g. `C5`). `value`: a number, a string,
    /// `{"date": "YYYY-MM-DD"}` or null.
    SetCell {
        a1: String,
        value: serde_json::Value,
    },
    /// Formatting only (bold, colour): no value changes.
    Format {
        a1: String,
    },
    /// A new column before `at` (0-based) with `header` on the header row.
    InsertColumn {
        at: usize,
        header: String,
    },
    /// Another header text for column `column`; what it holds stays.
    RenameHeader {
        column: usize,
        header: String,
    },
    /// Column `from` moved to position `to`.
    MoveColumn {
        from: usize,
        to: usize,
    },
    /// Deletes the price sheet's row `row` (1-based, as the sheet shows it): the rows
    /// below move up.
    DeleteRow {
        row: usize,
    },
    Share {
        email: String,
    },
    Unshare {
        email: String,
    },
}

/// A running sandbox. Dropping it stops the server.
#[derive(Debug)]
pub struct Sandbox {
    addr: SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Sandbox {
    /// Starts a sandbox on `127.0.0.1:0`.
    pub async fn start(config: SandboxConfig) -> std::io::Result<Sandbox> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        Ok(Sandbox::serve(config, listener))
    }

    /// Serves on an already bound listener.
    pub fn serve(config: SandboxConfig, listener: TcpListener) -> Sandbox {
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let now = Utc::now();
        let accounts = ServiceAccount::all(&config.project);
        let books: Vec<Spreadsheet> = (0..config.suppliers)
            .map(|n| {
                let mut book = book::generate(config.seed, n, config.rows, now);
                // Shared with the first account; the second reads only the first sheet.
                book.shared_with.insert(accounts[0].email.clone());
                if n == 0 {
                    book.shared_with.insert(accounts[1].email.clone());
                }
                book
            })
            .collect();
        let state = Arc::new(State {
            quota: QuotaState {
                limits: config.quota,
                window: Mutex::new((Instant::now(), HashMap::new(), 0)),
            },
            faults: RwLock::new(config.faults.clone()),
            config,
            accounts,
            tokens: oauth::Tokens::default(),
            books: RwLock::new(books),
            fault_calls: AtomicU64::new(0),
            calls: Mutex::new(BTreeMap::new()),
            offset: Mutex::new(TimeDelta::zero()),
            base_url: OnceLock::new(),
        });
        let _ = state.base_url.set(format!("http://{addr}"));
        let app = router(state.clone());
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "sandbox server failed");
            }
        });
        Sandbox { addr, state, task }
    }

    /// `http://127.0.0.1:PORT`: the base of Sheets (`/v4/...`) and Drive (`/drive/v3/...`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The token endpoint (Google's `https://oauth2.googleapis.com/token`).
    pub fn token_url(&self) -> String {
        self.state.token_url()
    }

    /// The registered service accounts.
    pub fn accounts(&self) -> &[ServiceAccount] {
        &self.state.accounts
    }

    /// Account `n`'s key file (0: the one every spreadsheet is shared with).
    pub fn key_file(&self, n: usize) -> serde_json::Value {
        self.state.accounts[n].key_file(&self.state.config.project, &self.token_url())
    }

    /// The spreadsheets' ids, in supplier order.
    pub fn spreadsheet_ids(&self) -> Vec<String> {
        self.state
            .books
            .read()
            .expect("lock")
            .iter()
            .map(|b| b.id.clone())
            .collect()
    }

    /// A spreadsheet as it is now.
    pub fn spreadsheet(&self, id: &str) -> Option<Spreadsheet> {
        self.state.book(id)
    }

    /// What a correct import of spreadsheet `id` stores and refuses, as it is now.
    pub fn truth(&self, id: &str) -> Option<Truth> {
        self.state.book(id).map(|b| b.truth())
    }

    /// Applies an edit; the reason when it cannot be applied.
    pub fn edit(&self, id: &str, edit: Edit) -> Result<(), String> {
        apply(&self.state, id, edit)
    }

    /// Calls served so far, by endpoint (`oauth.token`, `sheets.get`, `sheets.values.get`,
    /// `sheets.values.batchGet`, `drive.files.get`), refused ones included.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.state.calls.lock().expect("lock").clone()
    }

    pub fn calls_of(&self, endpoint: &str) -> u64 {
        self.calls().get(endpoint).copied().unwrap_or(0)
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.state.faults.write().expect("lock") = faults;
    }

    /// Moves the sandbox clock forward (tokens age).
    pub fn advance_clock(&self, by: Duration) {
        *self.state.offset.lock().expect("lock") +=
            TimeDelta::from_std(by).expect("a sane duration");
    }

    /// Every access token issued, so tests can check a client never logs them.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.state.tokens.all()
    }
}

/// A JSON value as a cell value.
fn cell_value(v: &serde_json::Value) -> Result<Value, String> {
    Ok(match v {
        serde_json::Value::Null => Value::Empty,
        serde_json::Value::String(s) => Value::Text(s.clone()),
        serde_json::Value::Number(n) => {
            let text = n.to_string();
            let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
            let units: i64 = format!("{int}{frac}")
                .parse()
                .map_err(|_| format!("{text} is not a plain decimal"))?;
            Value::number(units, frac.len() as u32)
        }
        serde_json::Value::Object(o) => match o.get("date").and_then(|d| d.as_str()) {
            Some(d) => Value::Date(
                chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|e| e.to_string())?,
            ),
            None => return Err("an object value must be {\"date\": \"YYYY-MM-DD\"}".into()),
        },
        other => return Err(format!("{other} is not a cell value")),
    })
}

pub(crate) fn apply(state: &State, id: &str, edit: Edit) -> Result<(), String> {
    let now = state.now();
    state
        .with_book(id, |book| {
            let sheet = &mut book.sheets[book.price_sheet];
            let header = sheet.header_row;
            match edit {
                Edit::SetCell { a1, value } => {
                    let r = a1::parse(&a1).ok_or("not a cell")?;
                    let (Some(row), Some(col)) = (r.first_row, r.first_col) else {
                        return Err("not a cell".to_owned());
                    };
                    sheet.cell_mut(row, col).value = cell_value(&value)?;
                    if sheet.roles.len() <= col {
                        sheet.roles.resize(col + 1, Role::Other);
                    }
                }
                Edit::Format { a1 } => {
                    let r = a1::parse(&a1).ok_or("not a cell")?;
                    let (Some(row), Some(col)) = (r.first_row, r.first_col) else {
                        return Err("not a cell".to_owned());
                    };
                    sheet.cell_mut(row, col).style += 1;
                }
                Edit::InsertColumn { at, header: text } => {
                    if at > sheet.roles.len() {
                        return Err(format!("column {at} is past the last column"));
                    }
                    for (i, cells) in sheet.rows.iter_mut().enumerate() {
                        if cells.len() >= at {
                            let cell = if i == header {
                                book::Cell::new(Value::Text(text.clone()), book::Format::General)
                            } else {
                                book::Cell::empty()
                            };
                            cells.insert(at, cell);
                        } else if i == header {
                            return Err("the header row is shorter than the insert point".into());
                        }
                    }
                    sheet.roles.insert(at, Role::Other);
                    sheet.column_count += 1;
                }
                Edit::RenameHeader {
                    column,
                    header: text,
                } => {
                    sheet.cell_mut(header, column).value = Value::Text(text);
                }
                Edit::MoveColumn { from, to } => {
                    let width = sheet.roles.len();
                    if from >= width || to >= width {
                        return Err(format!("columns {from} and {to}: the sheet has {width}"));
                    }
                    for cells in &mut sheet.rows {
                        if cells.len() < width {
                            cells.resize(width, book::Cell::empty());
                        }
                        let cell = cells.remove(from);
                        cells.insert(to, cell);
                    }
                    let role = sheet.roles.remove(from);
                    sheet.roles.insert(to, role);
                }
                Edit::DeleteRow { row } => {
                    if row == 0 || row > sheet.rows.len() {
                        return Err(format!("row {row} is not a row of the sheet"));
                    }
                    if row - 1 <= header {
                        return Err("the header and the rows above it stay".into());
                    }
                    sheet.rows.remove(row - 1);
                }
                Edit::Share { email } => {
                    book.shared_with.insert(email);
                    return Ok(());
                }
                Edit::Unshare { email } => {
                    book.shared_with.remove(&email);
                    return Ok(());
                }
            }
            book.touch(now);
            Ok(())
        })
        .unwrap_or_else(|| Err(format!("no spreadsheet {id}")))
}

fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/token", post(oauth::token))
        .route("/v4/spreadsheets/{id}", get(api::spreadsheet))
        .route("/v4/spreadsheets/{id}/values/{range}", get(api::values))
        .route("/v4/spreadsheets/{id}/values:batchGet", get(api::batch_get))
        .route("/drive/v3/files/{id}", get(api::drive_file))
        .merge(admin::routes())
        .with_state(state)
}
