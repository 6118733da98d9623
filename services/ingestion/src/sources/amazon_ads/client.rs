//! [`AmazonAdsClient`]: the Amazon Ads API on the shared [`UpstreamClient`] — the
//! regional bases, the headers every call needs (`Amazon-Advertising-API-ClientId`, and
//! `Amazon-Advertising-API-Scope` naming the profile), the Sponsored Products v3 lists
//! with their media types and `nextToken` paging, Reporting v3, and report files fetched
//! from their presigned URLs without an `Authorization` header.

use std::io::Read;

use serde_json::Value;

use super::Region;
use crate::upstream::{CallCounter, Request, TokenSource, UpstreamClient, UpstreamError};

const CLIENT_ID_HEADER: &str = "Amazon-Advertising-API-ClientId";
const SCOPE_HEADER: &str = "Amazon-Advertising-API-Scope";
const REPORT_MEDIA_TYPE: &str = "application/vnd.createasyncreportrequest.v3+json";
/// Records asked for per list page.
const PAGE_SIZE: u32 = 1_000;

/// One Sponsored Products list endpoint.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListEndpoint {
    /// `/sp/<path>/list`.
    pub(crate) path: &'static str,
    pub(crate) media_type: &'static str,
    /// The answer's array.
    pub(crate) key: &'static str,
}

/// What a report request got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Created {
    /// A new report, by id.
    New(String),
    /// 425: an identical report is still generating; its id.
    Duplicate(String),
}

/// The Amazon Ads API client. Cheap to clone; clones share the upstream's limits.
#[derive(Debug, Clone)]
pub(crate) struct AmazonAdsClient {
    upstream: UpstreamClient,
    bases: Vec<(Region, String)>,
    client_id: String,
}

impl AmazonAdsClient {
    pub(crate) fn new(
        upstream: UpstreamClient,
        bases: Vec<(Region, String)>,
        client_id: &str,
    ) -> AmazonAdsClient {
        AmazonAdsClient {
            upstream,
            bases: bases
                .into_iter()
                .map(|(r, b)| (r, b.trim_end_matches('/').to_owned()))
                .collect(),
            client_id: client_id.to_owned(),
        }
    }

    /// The regions this client reaches.
    pub(crate) fn regions(&self) -> impl Iterator<Item = Region> + '_ {
        self.bases.iter().map(|(r, _)| *r)
    }

    fn base(&self, region: Region) -> Result<&str, UpstreamError> {
        self.bases
            .iter()
            .find(|(r, _)| *r == region)
            .map(|(_, b)| b.as_str())
            .ok_or_else(|| UpstreamError::Rejected {
                status: 0,
                message: format!("region {} is not configured", region.as_str()),
                body: String::new(),
            })
    }

    /// `GET /v2/profiles` of `region`: every profile the token reaches there.
    pub(crate) async fn profiles(
        &self,
        region: Region,
        tokens: &dyn TokenSource,
        counter: &CallCounter,
    ) -> Result<Vec<Value>, UpstreamError> {
        let url = format!("{}/v2/profiles", self.base(region)?);
        let build = |http: &reqwest::Client, token: Option<&str>| {
            http.get(&url)
                .bearer_auth(token.unwrap_or_default())
                .header(CLIENT_ID_HEADER, &self.client_id)
        };
        let request = Request {
            what: "/v2/profiles",
            build: &build,
            tokens: Some(tokens),
            counter,
        };
        match self.upstream.send_json(&request).await? {
            Value::Array(profiles) => Ok(profiles),
            _ => Err(UpstreamError::Malformed(
                "/v2/profiles: not an array".into(),
            )),
        }
    }

    /// Walks `endpoint` for `profile` with every state asked for (archived entities
    /// included), handing each page's records to `on_page` as it arrives.
    pub(crate) async fn for_each_page(
        &self,
        (region, profile): (Region, i64),
        endpoint: ListEndpoint,
        tokens: &dyn TokenSource,
        counter: &CallCounter,
        mut on_page: impl FnMut(Vec<Value>),
    ) -> Result<(), UpstreamError> {
        let url = format!("{}/sp/{}/list", self.base(region)?, endpoint.path);
        let what = format!("/sp/{}/list", endpoint.path);
        let mut next_token: Option<String> = None;
        let mut seen = std::collections::HashSet::new();
        loop {
            let mut body = serde_json::json!({
                "stateFilter": {"include": ["ENABLED", "PAUSED", "ARCHIVED"]},
                "maxResults": PAGE_SIZE,
            });
            if let Some(t) = &next_token {
                body["nextToken"] = Value::String(t.clone());
            }
            let body = body.to_string();
            let build = |http: &reqwest::Client, token: Option<&str>| {
                http.post(&url)
                    .bearer_auth(token.unwrap_or_default())
                    .header(CLIENT_ID_HEADER, &self.client_id)
                    .header(SCOPE_HEADER, profile.to_string())
                    .header(reqwest::header::CONTENT_TYPE, endpoint.media_type)
                    .header(reqwest::header::ACCEPT, endpoint.media_type)
                    .body(body.clone())
            };
            let request = Request {
                what: &what,
                build: &build,
                tokens: Some(tokens),
                counter,
            };
            let mut answer = self.upstream.send_json(&request).await?;
            let records = match answer.get_mut(endpoint.key).map(Value::take) {
                Some(Value::Array(records)) => records,
                _ => {
                    return Err(UpstreamError::Malformed(format!(
                        "{what}: no `{}` array",
                        endpoint.key
                    )));
                }
            };
            on_page(records);
            match answer.get("nextToken").and_then(Value::as_str) {
                Some(t) if !t.is_empty() => {
                    // A token that repeats would loop forever: stop and say so.
                    if !seen.insert(t.to_owned()) {
                        return Err(UpstreamError::Malformed(format!(
                            "{what}: the page token repeated"
                        )));
                    }
                    next_token = Some(t.to_owned());
                }
                _ => return Ok(()),
            }
        }
    }

    /// `POST /reporting/reports`: asks for a report (`body`: name, dates, configuration).
    pub(crate) async fn create_report(
        &self,
        (region, profile): (Region, i64),
        body: &Value,
        tokens: &dyn TokenSource,
        counter: &CallCounter,
    ) -> Result<Created, UpstreamError> {
        let url = format!("{}/reporting/reports", self.base(region)?);
        let body = body.to_string();
        let build = |http: &reqwest::Client, token: Option<&str>| {
            http.post(&url)
                .bearer_auth(token.unwrap_or_default())
                .header(CLIENT_ID_HEADER, &self.client_id)
                .header(SCOPE_HEADER, profile.to_string())
                .header(reqwest::header::CONTENT_TYPE, REPORT_MEDIA_TYPE)
                .header(reqwest::header::ACCEPT, "application/json")
                .body(body.clone())
        };
        let request = Request {
            what: "/reporting/reports",
            build: &build,
            tokens: Some(tokens),
            counter,
        };
        match self.upstream.send_json(&request).await {
            Ok(answer) => answer
                .get("reportId")
                .and_then(Value::as_str)
                .filter(|id| !id.is_empty())
                .map(|id| Created::New(id.to_owned()))
                .ok_or_else(|| UpstreamError::Malformed("/reporting/reports: no reportId".into())),
            Err(UpstreamError::Rejected {
                status: 425,
                message,
                body,
            }) => duplicate_of(&message)
                .map(Created::Duplicate)
                .ok_or(UpstreamError::Rejected {
                    status: 425,
                    message,
                    body,
                }),
            Err(e) => Err(e),
        }
    }

    /// `GET /reporting/reports/{id}`: where the report is.
    pub(crate) async fn report_status(
        &self,
        (region, profile): (Region, i64),
        report_id: &str,
        tokens: &dyn TokenSource,
        counter: &CallCounter,
    ) -> Result<Value, UpstreamError> {
        let url = format!("{}/reporting/reports/{report_id}", self.base(region)?);
        let build = |http: &reqwest::Client, token: Option<&str>| {
            http.get(&url)
                .bearer_auth(token.unwrap_or_default())
                .header(CLIENT_ID_HEADER, &self.client_id)
                .header(SCOPE_HEADER, profile.to_string())
                .header(reqwest::header::ACCEPT, "application/json")
        };
        let request = Request {
            what: "/reporting/reports/{id}",
            build: &build,
            tokens: Some(tokens),
            counter,
        };
        self.upstream.send_json(&request).await
    }

    /// A report file from its presigned URL (no `Authorization`: the URL is the
    /// credential), ungzipped.
    pub(crate) async fn download(
        &self,
        url: &str,
        counter: &CallCounter,
    ) -> Result<Vec<u8>, UpstreamError> {
        let build = |http: &reqwest::Client, _: Option<&str>| http.get(url);
        let request = Request {
            what: "report download",
            build: &build,
            tokens: None,
            counter,
        };
        self.upstream
            .send(&request, |answer| {
                let mut json = Vec::with_capacity(answer.body.len() * 8);
                flate2::read::GzDecoder::new(answer.body.as_slice())
                    .read_to_end(&mut json)
                    .map_err(|e| format!("report download: not gzip: {e}"))?;
                Ok(json)
            })
            .await
    }
}

/// The id in a 425's `detail`: "The Request is a duplicate of : <reportId>".
fn duplicate_of(message: &str) -> Option<String> {
    let (_, id) = message.rsplit_once(':')?;
    let id = id.trim();
    (!id.is_empty() && !id.contains(char::is_whitespace)).then(|| id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_425_names_the_report_already_generating() {
        assert_eq!(
            duplicate_of("The Request is a duplicate of : 0b5a-42").as_deref(),
            Some("0b5a-42")
        );
        assert_eq!(duplicate_of("Too early"), None);
        assert_eq!(duplicate_of("duplicate of : "), None);
    }
}
