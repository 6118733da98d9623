//! [`LinkedInClient`]: Rest.li GETs to the Marketing API with LinkedIn's headers, and its
//! cursor pagination, on the shared [`UpstreamClient`].

use serde_json::Value;

use crate::upstream::{CallCounter, Request, TokenSource, UpstreamClient, UpstreamError};

/// The Marketing API client. Cheap to clone; clones share the upstream's limits.
#[derive(Debug, Clone)]
pub struct LinkedInClient {
    upstream: UpstreamClient,
    /// e.g. https://api.linkedin.com/rest
    base_url: String,
    /// The `LinkedIn-Version` header, YYYYMM.
    version: String,
}

impl LinkedInClient {
    pub fn new(upstream: UpstreamClient, base_url: &str, version: &str) -> LinkedInClient {
        LinkedInClient {
            upstream,
            base_url: base_url.trim_end_matches('/').to_owned(),
            version: version.to_owned(),
        }
    }

    /// How many requests this client (and its clones) send at once.
    pub fn max_concurrency(&self) -> usize {
        self.upstream.max_concurrency()
    }

    /// `GET {base}{path}?{query}` with a raw Rest.li query (kept as written: `List(...)`,
    /// `(start:(...))`), retried as the upstream policy says; the parsed JSON body. A
    /// `q=` query is a Rest.li finder and says so (`X-RestLi-Method: FINDER`, which
    /// LinkedIn requires of the creatives finder).
    pub async fn get(
        &self,
        path: &str,
        query: &str,
        tokens: &dyn TokenSource,
        counter: &CallCounter,
    ) -> Result<Value, UpstreamError> {
        let url = format!("{}{path}?{query}", self.base_url);
        let finder = query.split('&').any(|p| p.starts_with("q="));
        let build = |http: &reqwest::Client, token: Option<&str>| {
            let request = http
                .get(&url)
                .bearer_auth(token.unwrap_or_default())
                .header("LinkedIn-Version", &self.version)
                .header("X-Restli-Protocol-Version", "2.0.0");
            if finder {
                request.header("X-RestLi-Method", "FINDER")
            } else {
                request
            }
        };
        let request = Request {
            what: path,
            build: &build,
            tokens: Some(tokens),
            counter,
        };
        self.upstream.send_json(&request).await
    }

    /// Walks a cursor-paginated finder (`pageSize`/`pageToken`), handing each page's
    /// elements to `on_page` as it arrives: memory holds one page, not the collection.
    pub async fn for_each_page(
        &self,
        path: &str,
        query: &str,
        page_size: u32,
        tokens: &dyn TokenSource,
        counter: &CallCounter,
        mut on_page: impl FnMut(Vec<Value>),
    ) -> Result<(), UpstreamError> {
        let mut page_token: Option<String> = None;
        let mut seen_tokens = std::collections::HashSet::new();
        loop {
            let mut q = format!("{query}&pageSize={page_size}");
            if let Some(t) = &page_token {
                q.push_str("&pageToken=");
                q.push_str(t);
            }
            let mut body = self.get(path, &q, tokens, counter).await?;
            let elements = match body.get_mut("elements").map(Value::take) {
                Some(Value::Array(elements)) => elements,
                _ => {
                    return Err(UpstreamError::Malformed(format!(
                        "{path}: no `elements` array"
                    )));
                }
            };
            on_page(elements);
            match body
                .pointer("/metadata/nextPageToken")
                .and_then(Value::as_str)
            {
                // A cursor that repeats would loop forever: stop and say so.
                Some(next) if !seen_tokens.insert(next.to_owned()) => {
                    return Err(UpstreamError::Malformed(format!(
                        "{path}: the page cursor repeated"
                    )));
                }
                Some(next) => page_token = Some(next.to_owned()),
                None => return Ok(()),
            }
        }
    }
}
