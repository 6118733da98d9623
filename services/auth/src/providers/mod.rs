//! The upstream providers whose OAuth apps auth holds — LinkedIn and Login with Amazon —
//! each with its own settings (client, URLs, scopes, how early to refresh), grouped so
//! that nothing one provider needs is taken from another's by accident.

mod amazon;
pub(crate) mod google;
mod linkedin;

use std::time::Duration;

use adsync_proto::auth::{Provider, Region as RegionProto};
use chrono::TimeDelta;

pub use amazon::AmazonApp;
pub use google::GoogleApp;
pub use linkedin::LinkedInApp;

use crate::upstream::OAuthClient;

/// A provider, as stored (`oauth_connections.provider`) and spoken of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProviderKind {
    Linkedin,
    AmazonAds,
    /// Service accounts: no authorization flow, tokens minted from a key.
    Google,
}

impl ProviderKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Linkedin => "linkedin",
            ProviderKind::AmazonAds => "amazon_ads",
            ProviderKind::Google => "google",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<ProviderKind> {
        [
            ProviderKind::Linkedin,
            ProviderKind::AmazonAds,
            ProviderKind::Google,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }

    pub(crate) fn to_proto(self) -> Provider {
        match self {
            ProviderKind::Linkedin => Provider::Linkedin,
            ProviderKind::AmazonAds => Provider::AmazonAds,
            ProviderKind::Google => Provider::Google,
        }
    }

    /// UNSPECIFIED is LinkedIn (requests from before there were several providers).
    pub(crate) fn from_proto(p: Provider) -> ProviderKind {
        match p {
            Provider::Unspecified | Provider::Linkedin => ProviderKind::Linkedin,
            Provider::AmazonAds => ProviderKind::AmazonAds,
            Provider::Google => ProviderKind::Google,
        }
    }

    /// Its name for people (a new connection's default display name).
    pub(crate) fn title(self) -> &'static str {
        match self {
            ProviderKind::Linkedin => "LinkedIn",
            ProviderKind::AmazonAds => "Amazon Ads",
            ProviderKind::Google => "Google",
        }
    }
}

/// An Amazon Ads region, as stored (`oauth_connections.region`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Region {
    Na,
    Eu,
    Fe,
}

impl Region {
    pub(crate) const ALL: [Region; 3] = [Region::Na, Region::Eu, Region::Fe];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Region::Na => "na",
            Region::Eu => "eu",
            Region::Fe => "fe",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Region> {
        Region::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub(crate) fn to_proto(self) -> RegionProto {
        match self {
            Region::Na => RegionProto::Na,
            Region::Eu => RegionProto::Eu,
            Region::Fe => RegionProto::Fe,
        }
    }

    /// `None` for UNSPECIFIED.
    pub(crate) fn from_proto(r: RegionProto) -> Option<Region> {
        Region::ALL.into_iter().find(|x| x.to_proto() == r)
    }
}

/// One provider's OAuth app, ready to use.
#[derive(Debug)]
pub(crate) struct App {
    pub(crate) kind: ProviderKind,
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    /// The authorization page: one for LinkedIn, one per region for Amazon.
    authorization_urls: Vec<(Option<Region>, String)>,
    pub(crate) default_scopes: Vec<String>,
    /// Refresh an access token when it expires within this long.
    pub(crate) refresh_ahead: TimeDelta,
    pub(crate) oauth: OAuthClient,
}

impl App {
    /// Whether connections of this provider belong to a region.
    pub(crate) fn regional(&self) -> bool {
        self.authorization_urls.iter().any(|(r, _)| r.is_some())
    }

    /// The authorization page for `region` (`None` for a provider without regions).
    pub(crate) fn authorization_url(&self, region: Option<Region>) -> Option<&str> {
        self.authorization_urls
            .iter()
            .find(|(r, _)| *r == region)
            .map(|(_, url)| url.as_str())
    }

    /// Whether the app is set up (a client id was given; Google's needs none).
    pub(crate) fn configured(&self) -> bool {
        self.kind == ProviderKind::Google || !self.client_id.is_empty()
    }

    /// Whether connections are made through the authorization-code flow.
    pub(crate) fn authorizes(&self) -> bool {
        self.kind != ProviderKind::Google
    }
}

/// Every provider's app.
#[derive(Debug)]
pub(crate) struct Providers {
    apps: Vec<App>,
}

impl Providers {
    pub(crate) fn new(
        (linkedin, amazon, google): (&LinkedInApp, &AmazonApp, &GoogleApp),
        timeout: Duration,
    ) -> Providers {
        Providers {
            apps: vec![
                linkedin.app(timeout),
                amazon.app(timeout),
                google.app(timeout),
            ],
        }
    }

    pub(crate) fn get(&self, kind: ProviderKind) -> &App {
        self.apps
            .iter()
            .find(|a| a.kind == kind)
            .expect("every provider has an app")
    }
}

/// Builds an [`App`]; for the providers' own modules.
fn app(
    kind: ProviderKind,
    (client_id, client_secret): (&str, &secrecy::SecretString),
    redirect_uri: &str,
    authorization_urls: Vec<(Option<Region>, String)>,
    (token_url, scopes): (&str, &str),
    refresh_ahead_secs: u64,
    timeout: Duration,
) -> App {
    App {
        kind,
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        authorization_urls,
        default_scopes: scopes.split_whitespace().map(str::to_owned).collect(),
        refresh_ahead: TimeDelta::seconds(
            i64::try_from(refresh_ahead_secs).unwrap_or(i64::MAX / 1_000),
        ),
        oauth: OAuthClient::new(
            token_url.to_owned(),
            client_id.to_owned(),
            client_secret.clone(),
            timeout,
        ),
    }
}
