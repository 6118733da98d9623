//! The Sheets sandbox as a client sees it over HTTP: the service-account grant and every
//! wrong variant of it, values in each render option and locale, ragged rows, Drive
//! versions, quotas, sharing, Google's errors, and a ground truth that matches the sheets.

use std::time::Duration;

use adsync_sheets_sandbox::{
    Edit, JWT_BEARER, Quota, Sandbox, SandboxConfig, ServiceAccount, sign_jwt,
};
use serde_json::{Value, json};

const SHEETS_READ: &str = "https://www.googleapis.com/auth/spreadsheets.readonly";
const DRIVE_READ: &str = "https://www.googleapis.com/auth/drive.readonly";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims(sandbox: &Sandbox, account: &ServiceAccount, scope: &str) -> Value {
    json!({
        "iss": account.email,
        "scope": scope,
        "aud": sandbox.token_url(),
        "iat": now(),
        "exp": now() + 3600,
    })
}

/// POSTs a grant; (status, body).
async fn grant(sandbox: &Sandbox, grant_type: &str, assertion: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(sandbox.token_url())
        .form(&[("grant_type", grant_type), ("assertion", assertion)])
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// An access token of account `n` with `scope`.
async fn token(sandbox: &Sandbox, n: usize, scope: &str) -> String {
    let account = &sandbox.accounts()[n];
    let (status, body) = grant(
        sandbox,
        JWT_BEARER,
        &sign_jwt(account, &claims(sandbox, account, scope)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

/// GETs `path` with `token`; (status, body).
async fn get(sandbox: &Sandbox, token: &str, path: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", sandbox.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// A range as a path segment (percent-encoded: `+` would be a plus in a path).
fn quoted(range: &str) -> String {
    url::form_urlencoded::byte_serialize(range.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[tokio::test]
async fn the_jwt_grant_issues_hour_long_tokens_and_refuses_every_wrong_assertion() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let (me, other) = (&sandbox.accounts()[0], &sandbox.accounts()[1]);
    let good = claims(&sandbox, me, SHEETS_READ);
    let (status, body) = grant(&sandbox, JWT_BEARER, &sign_jwt(me, &good)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["access_token"].as_str().unwrap().starts_with("ya29."));
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["token_type"], "Bearer");

    let with = |patch: Value| {
        let mut c = good.clone();
        for (k, v) in patch.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    };
    // Another account's key for my email: the signature does not verify.
    let forged = sign_jwt(other, &good);
    let cases: Vec<(&str, String, &str)> = vec![
        ("forged signature", forged, "Invalid JWT Signature."),
        (
            "wrong audience",
            sign_jwt(
                me,
                &with(json!({"aud": "https://oauth2.googleapis.com/token"})),
            ),
            "audience",
        ),
        (
            "over an hour",
            sign_jwt(me, &with(json!({"exp": now() + 7200}))),
            "short-lived",
        ),
        (
            "expired",
            sign_jwt(me, &with(json!({"iat": now() - 7200, "exp": now() - 3600}))),
            "short-lived",
        ),
        (
            "from the future",
            sign_jwt(me, &with(json!({"iat": now() + 3600, "exp": now() + 5400}))),
            "short-lived",
        ),
        (
            "unknown account",
            sign_jwt(
                me,
                &with(json!({"iss": "nobody@elsewhere.iam.gserviceaccount.com"})),
            ),
            "account not found",
        ),
        (
            "no scope",
            sign_jwt(me, &with(json!({"scope": ""}))),
            "scope",
        ),
        (
            "foreign scope",
            sign_jwt(
                me,
                &with(json!({"scope": "https://www.googleapis.com/auth/gmail.readonly"})),
            ),
            "scope",
        ),
        ("not a JWT", "abc.def".to_owned(), "JWT"),
    ];
    for (what, assertion, says) in cases {
        let (status, body) = grant(&sandbox, JWT_BEARER, &assertion).await;
        assert_eq!(status, 400, "{what}: {body}");
        assert!(
            body["error_description"].as_str().unwrap().contains(says),
            "{what}: {body}"
        );
        assert!(
            ["invalid_grant", "invalid_scope"].contains(&body["error"].as_str().unwrap()),
            "{what}: {body}"
        );
    }
    // An unsigned token claiming RS256 is refused too.
    let unsigned = {
        let signed = sign_jwt(me, &good);
        let (head, _) = signed.rsplit_once('.').unwrap();
        format!("{head}.")
    };
    assert_eq!(grant(&sandbox, JWT_BEARER, &unsigned).await.0, 400);
    let (status, body) = grant(&sandbox, "client_credentials", &sign_jwt(me, &good)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );

    // A token dies after its hour.
    let t = token(&sandbox, 0, SHEETS_READ).await;
    let id = &sandbox.spreadsheet_ids()[0];
    assert_eq!(
        get(&sandbox, &t, &format!("/v4/spreadsheets/{id}")).await.0,
        200
    );
    sandbox.advance_clock(Duration::from_secs(3601));
    let (status, body) = get(&sandbox, &t, &format!("/v4/spreadsheets/{id}")).await;
    assert_eq!(
        (status, body["error"]["status"].as_str()),
        (401, Some("UNAUTHENTICATED"))
    );
}

#[tokio::test]
async fn spreadsheets_list_their_sheets_by_id_and_values_render_in_each_locale() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let t = token(&sandbox, 0, SHEETS_READ).await;
    let ids = sandbox.spreadsheet_ids();

    // The German supplier: a notes tab first, the price tab second; ids are not indices.
    let (status, book) = get(&sandbox, &t, &format!("/v4/spreadsheets/{}", ids[1])).await;
    assert_eq!(status, 200, "{book}");
    assert_eq!(book["properties"]["locale"], "de_DE");
    let sheets = book["sheets"].as_array().unwrap();
    assert_eq!(sheets.len(), 2);
    assert_eq!(sheets[1]["properties"]["title"], "Preisliste 2026");
    assert_eq!(sheets[1]["properties"]["index"], 1);
    assert!(sheets[1]["properties"]["sheetId"].as_i64().unwrap() > 1);
    assert_eq!(sheets[1]["properties"]["gridProperties"]["rowCount"], 1000);
    // The title row is merged across the table.
    assert_eq!(sheets[1]["merges"][0]["startRowIndex"], 0);
    assert_eq!(sheets[1]["merges"][0]["endColumnIndex"], 6);

    let truth = sandbox.truth(&ids[1]).unwrap();
    let first = &truth.rows[0];
    let row = first.row;
    let range = |r: &str| quoted(&format!("'Preisliste 2026'!{r}"));
    // FORMATTED_VALUE (the default): German money and dates.
    let (status, v) = get(
        &sandbox,
        &t,
        &format!(
            "/v4/spreadsheets/{}/values/{}",
            ids[1],
            range(&format!("A{row}:E{row}"))
        ),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["range"], format!("'Preisliste 2026'!A{row}:E{row}"));
    let cells = v["values"][0].as_array().unwrap();
    assert_eq!(cells[0], first.sku.as_str());
    let (int, cents) = first.price.split_once('.').unwrap();
    let price_text = cells[2].as_str().unwrap();
    assert!(
        price_text.ends_with(&format!(",{cents}\u{a0}€")),
        "{price_text}"
    );
    assert!(price_text.replace('.', "").starts_with(int), "{price_text}");
    let date = first.valid_from.unwrap();
    assert_eq!(cells[4], date.format("%d.%m.%Y").to_string());

    // UNFORMATTED_VALUE: numbers; dates as serial numbers or formatted strings; FORMULA.
    let path = |opts: &str| {
        format!(
            "/v4/spreadsheets/{}/values/{}?{opts}",
            ids[1],
            range(&format!("A{row}:E{row}"))
        )
    };
    let (_, raw) = get(&sandbox, &t, &path("valueRenderOption=UNFORMATTED_VALUE")).await;
    let cells = raw["values"][0].as_array().unwrap();
    assert_eq!(
        cells[2].to_string(),
        first.price.trim_end_matches('0').trim_end_matches('.')
    );
    assert_eq!(
        cells[4],
        (date - adsync_sheets_sandbox::render::epoch()).num_days()
    );
    let (_, as_text) = get(
        &sandbox,
        &t,
        &path("valueRenderOption=UNFORMATTED_VALUE&dateTimeRenderOption=FORMATTED_STRING"),
    )
    .await;
    assert_eq!(as_text["values"][0][4], date.format("%d.%m.%Y").to_string());
    let (_, formulas) = get(&sandbox, &t, &path("valueRenderOption=FORMULA")).await;
    assert_eq!(formulas["values"][0][3], format!("=C{row}*1.19"));

    // en_US and fr_FR money.
    for (id, sign) in [(&ids[0], "$"), (&ids[2], ","), (&ids[3], "£")] {
        let truth = sandbox.truth(id).unwrap();
        let (_, b) = get(&sandbox, &t, &format!("/v4/spreadsheets/{id}")).await;
        let title = truth.sheet_title.clone();
        let price_col = if sign == "$" { "C" } else { "D" };
        assert_ne!(b["properties"]["locale"], "de_DE");
        let r = truth.rows[0].row;
        let (_, v) = get(
            &sandbox,
            &t,
            &format!(
                "/v4/spreadsheets/{id}/values/{}",
                quoted(&format!("'{title}'!{price_col}{r}"))
            ),
        )
        .await;
        assert!(
            v["values"][0][0].as_str().unwrap().contains(sign),
            "{b} {v}"
        );
    }

    // A bad render option is a 400 with Google's body.
    let (status, body) = get(&sandbox, &t, &path("valueRenderOption=PRETTY")).await;
    assert_eq!(
        (status, body["error"]["status"].as_str()),
        (400, Some("INVALID_ARGUMENT"))
    );
}

#[tokio::test]
async fn rows_are_ragged_empty_ranges_have_no_values_and_batch_get_reads_several() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let t = token(&sandbox, 0, SHEETS_READ).await;
    let id = &sandbox.spreadsheet_ids()[1];
    // The whole price sheet: the title row, an empty row, the header, rows of different
    // lengths; nothing after the last row.
    let (_, v) = get(
        &sandbox,
        &t,
        &format!(
            "/v4/spreadsheets/{id}/values/{}",
            quoted("'Preisliste 2026'")
        ),
    )
    .await;
    assert_eq!(v["range"], "'Preisliste 2026'!A1:Z1000");
    let rows = v["values"].as_array().unwrap();
    assert_eq!(
        rows[0].as_array().unwrap().len(),
        1,
        "a title row is one cell"
    );
    assert_eq!(
        rows[1],
        json!([]),
        "an empty row in the middle stays, empty"
    );
    assert_eq!(rows[2][0], "Art.-Nr.");
    let lengths: std::collections::BTreeSet<usize> = rows[3..]
        .iter()
        .map(|r| r.as_array().unwrap().len())
        .collect();
    assert!(lengths.len() > 1, "ragged rows: {lengths:?}");
    assert!(
        rows.iter()
            .skip(3)
            .all(|r| r.as_array().unwrap().last() != Some(&json!("")))
    );
    let stored = sandbox.spreadsheet(id).unwrap().sheets[1].rows.len();
    assert!(rows.len() <= stored);

    // Beyond the data: no `values` at all.
    let (status, empty) = get(
        &sandbox,
        &t,
        &format!(
            "/v4/spreadsheets/{id}/values/{}",
            quoted("'Preisliste 2026'!A900:C910")
        ),
    )
    .await;
    assert_eq!(status, 200);
    assert!(empty.get("values").is_none(), "{empty}");
    // Columns as the major dimension.
    let (_, cols) = get(
        &sandbox,
        &t,
        &format!(
            "/v4/spreadsheets/{id}/values/{}?majorDimension=COLUMNS",
            quoted("'Preisliste 2026'!A3:B5")
        ),
    )
    .await;
    assert_eq!(cols["majorDimension"], "COLUMNS");
    assert_eq!(cols["values"][0][0], "Art.-Nr.");
    assert_eq!(cols["values"][1][0], "Bezeichnung");
    // Several ranges at once; a bare range reads the first tab.
    let (status, batch) = get(
        &sandbox,
        &t,
        &format!(
            "/v4/spreadsheets/{id}/values:batchGet?ranges={}&ranges={}",
            quoted("'Preisliste 2026'!A3:F3"),
            quoted("A1:A1")
        ),
    )
    .await;
    assert_eq!(status, 200, "{batch}");
    assert_eq!(batch["valueRanges"].as_array().unwrap().len(), 2);
    assert_eq!(batch["valueRanges"][1]["range"], "Hinweise!A1:A1");
    // Unparsable and out-of-grid ranges.
    for bad in ["'Preisliste 2026'!A0", "Nope!A1", "'Preisliste 2026'!A2000"] {
        let (status, body) = get(
            &sandbox,
            &t,
            &format!("/v4/spreadsheets/{id}/values/{}", quoted(bad)),
        )
        .await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["error"]["status"], "INVALID_ARGUMENT");
    }
}

#[tokio::test]
async fn drive_versions_move_on_value_and_format_edits_never_on_reads() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let t = token(&sandbox, 0, DRIVE_READ).await;
    let id = sandbox.spreadsheet_ids()[0].clone();
    let version = || {
        let (sandbox, t, id) = (&sandbox, &t, &id);
        async move {
            let (status, f) = get(
                sandbox,
                t,
                &format!("/drive/v3/files/{id}?fields=version,modifiedTime"),
            )
            .await;
            assert_eq!(status, 200, "{f}");
            assert_eq!(
                f.as_object().unwrap().len(),
                2,
                "only the fields asked for: {f}"
            );
            f["version"].as_str().unwrap().parse::<u64>().unwrap()
        }
    };
    let v0 = version().await;
    let _ = get(&sandbox, &t, &format!("/v4/spreadsheets/{id}/values/A1:C5")).await;
    assert_eq!(version().await, v0, "reads change nothing");
    sandbox
        .edit(
            &id,
            Edit::SetCell {
                a1: "C2".into(),
                value: json!(19.99),
            },
        )
        .unwrap();
    let v1 = version().await;
    assert!(v1 > v0);
    sandbox.edit(&id, Edit::Format { a1: "C2".into() }).unwrap();
    assert!(
        version().await > v1,
        "a formatting-only edit moves the version too"
    );
    // The Sheets scopes read Drive metadata only through the Drive scopes.
    let sheets_only = token(&sandbox, 0, SHEETS_READ).await;
    let (status, _) = get(
        &sandbox,
        &sheets_only,
        &format!("/drive/v3/files/{id}?fields=version"),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn quotas_refuse_with_resource_exhausted_then_reset_and_sharing_decides_access() {
    let sandbox = Sandbox::start(SandboxConfig {
        quota: Quota {
            per_account: 5,
            per_project: 8,
            window_ms: 700,
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let (mine, theirs) = (
        token(&sandbox, 0, SHEETS_READ).await,
        token(&sandbox, 1, SHEETS_READ).await,
    );
    let ids = sandbox.spreadsheet_ids();
    let read = |t: &str| {
        let (sandbox, t, id) = (&sandbox, t.to_owned(), ids[0].clone());
        async move { get(sandbox, &t, &format!("/v4/spreadsheets/{id}")).await }
    };
    for _ in 0..5 {
        assert_eq!(read(&mine).await.0, 200);
    }
    let (status, body) = read(&mine).await;
    assert_eq!(
        (status, body["error"]["status"].as_str()),
        (429, Some("RESOURCE_EXHAUSTED"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("per user")
    );
    // The project's limit: three more reads by the other account, then none.
    for _ in 0..3 {
        assert_eq!(read(&theirs).await.0, 200);
    }
    assert_eq!(read(&theirs).await.0, 429);
    tokio::time::sleep(Duration::from_millis(750)).await;
    assert_eq!(read(&mine).await.0, 200, "a new window");

    // The other account sees only the first spreadsheet until it is shared.
    tokio::time::sleep(Duration::from_millis(750)).await;
    let email = sandbox.accounts()[1].email.clone();
    let (status, body) = get(&sandbox, &theirs, &format!("/v4/spreadsheets/{}", ids[1])).await;
    assert_eq!(
        (status, body["error"]["status"].as_str()),
        (403, Some("PERMISSION_DENIED"))
    );
    sandbox
        .edit(
            &ids[1],
            Edit::Share {
                email: email.clone(),
            },
        )
        .unwrap();
    assert_eq!(
        get(&sandbox, &theirs, &format!("/v4/spreadsheets/{}", ids[1]))
            .await
            .0,
        200
    );
    sandbox.edit(&ids[1], Edit::Unshare { email }).unwrap();
    assert_eq!(
        get(&sandbox, &theirs, &format!("/v4/spreadsheets/{}", ids[1]))
            .await
            .0,
        403
    );
    // Unknown spreadsheets, and no token at all.
    let (status, _) = get(&sandbox, &mine, "/v4/spreadsheets/1doesnotexist").await;
    assert_eq!(status, 404);
    let (status, _) = get(&sandbox, "", &format!("/v4/spreadsheets/{}", ids[0])).await;
    assert_eq!(status, 401);
    // Quota exhaustion and 5xx on demand.
    tokio::time::sleep(Duration::from_millis(750)).await;
    sandbox.set_faults(adsync_sheets_sandbox::Faults {
        exhausted: true,
        ..Default::default()
    });
    assert_eq!(read(&mine).await.0, 429);
    sandbox.set_faults(adsync_sheets_sandbox::Faults {
        error_ratio: 1.0,
        ..Default::default()
    });
    assert!([500, 503].contains(&read(&mine).await.0));
    assert!(sandbox.calls_of("sheets.get") >= 15);
}

#[tokio::test]
async fn the_ground_truth_matches_the_sheets_and_follows_edits() {
    let sandbox = Sandbox::start(SandboxConfig {
        rows: 120,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let t = token(&sandbox, 0, SHEETS_READ).await;
    let mut reasons = std::collections::BTreeSet::new();
    for id in sandbox.spreadsheet_ids() {
        let truth = sandbox.truth(&id).unwrap();
        // Read the price sheet unformatted and find each truth row's SKU and price in it.
        let (_, v) = get(
            &sandbox,
            &t,
            &format!(
                "/v4/spreadsheets/{id}/values/{}?valueRenderOption=UNFORMATTED_VALUE",
                quoted(&format!("'{}'", truth.sheet_title))
            ),
        )
        .await;
        let rows = v["values"].as_array().unwrap();
        let header = rows[truth.header_row - 1].as_array().unwrap();
        assert!(header.len() >= 5, "{header:?}");
        assert!(!truth.rows.is_empty());
        for r in &truth.rows {
            let cells = rows[r.row - 1].as_array().unwrap();
            assert_eq!(cells[0], r.sku.as_str(), "row {}", r.row);
            let price: f64 = r.price.parse().unwrap();
            assert!(
                cells.iter().any(|c| c.as_f64() == Some(price)),
                "row {}: {cells:?}",
                r.row
            );
        }
        for rejected in &truth.rejected {
            reasons.insert(
                rejected
                    .reason
                    .split(' ')
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
        let skus: std::collections::BTreeSet<&str> =
            truth.rows.iter().map(|r| r.sku.as_str()).collect();
        assert_eq!(skus.len(), truth.rows.len(), "SKUs are unique in the truth");
    }
    // Every kind of bad row appears somewhere.
    for kind in ["no SKU", "a negative", "a price", "duplicate SKU"] {
        assert!(
            reasons.iter().any(|r| r.starts_with(kind)),
            "{kind}: {reasons:?}"
        );
    }

    // An edit that breaks a price, a renamed header and a moved column: the truth follows
    // the columns' meaning, not their position or header text.
    let id = sandbox.spreadsheet_ids()[0].clone();
    let before = sandbox.truth(&id).unwrap();
    let victim = before.rows[0].clone();
    sandbox
        .edit(
            &id,
            Edit::SetCell {
                a1: format!("C{}", victim.row),
                value: json!("n/a"),
            },
        )
        .unwrap();
    sandbox
        .edit(
            &id,
            Edit::RenameHeader {
                column: 2,
                header: "Price (USD)".into(),
            },
        )
        .unwrap();
    sandbox
        .edit(&id, Edit::MoveColumn { from: 2, to: 0 })
        .unwrap();
    sandbox
        .edit(
            &id,
            Edit::InsertColumn {
                at: 1,
                header: "Notes".into(),
            },
        )
        .unwrap();
    let after = sandbox.truth(&id).unwrap();
    assert_eq!(after.rows.len(), before.rows.len() - 1);
    assert!(
        after
            .rejected
            .iter()
            .any(|r| r.row == victim.row && r.reason.contains("not a number"))
    );
    assert_eq!(after.rows[0], before.rows[1]);
}

#[tokio::test]
async fn admin_endpoints_print_key_files_edit_and_tell_the_truth() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let http = reqwest::Client::new();
    let admin = |path: &str| format!("{}/_sandbox{path}", sandbox.base_url());
    let key: Value = http
        .get(admin("/key-files/0"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(key["type"], "service_account");
    assert_eq!(key["token_uri"], sandbox.token_url());
    assert!(
        key["private_key"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );
    assert_eq!(key["client_email"], sandbox.accounts()[0].email.as_str());

    let listed: Value = http
        .get(admin("/spreadsheets"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = listed["spreadsheets"][2]["id"].as_str().unwrap().to_owned();
    assert_eq!(listed["spreadsheets"][2]["locale"], "fr_FR");
    let edited = http
        .post(admin(&format!("/spreadsheets/{id}/edits")))
        .json(&json!({"op": "set_cell", "a1": "D4", "value": -3}))
        .send()
        .await
        .unwrap();
    assert_eq!(edited.status(), 200);
    let truth: Value = http
        .get(admin(&format!("/spreadsheets/{id}/truth")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(truth["sheet"], "Tarifs HT");
    assert!(
        truth["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["row"] == 4 && r["reason"] == "a negative price"),
        "{truth}"
    );
    let refused = http
        .post(admin(&format!("/spreadsheets/{id}/edits")))
        .json(&json!({"op": "move_column", "from": 0, "to": 40}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
}

#[test]
fn help_documents_every_flag() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_sheets-sandbox"))
        .arg("--help")
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--listen",
        "--seed",
        "--suppliers",
        "--rows",
        "--project",
        "--quota-per-account",
        "--quota-per-project",
        "--quota-window-ms",
        "--error-ratio",
        "--slow-ratio",
        "--slow-ms",
        "--write-key-file",
    ] {
        assert!(
            help.contains(flag),
            "--help does not mention {flag}:\n{help}"
        );
    }
}
