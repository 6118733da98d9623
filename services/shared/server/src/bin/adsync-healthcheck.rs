//! `adsync-healthcheck ADDR [SERVICE]`: exits 0 when the gRPC server at ADDR reports
//! SERVING for SERVICE (default: the whole server). For container health checks and
//! scripts that wait for a service to be ready; no grpcurl needed. An `https://` ADDR is
//! checked over TLS with the services' own settings from the environment
//! (`ADSYNC_TLS_CA`, and `ADSYNC_TLS_CERT`/`ADSYNC_TLS_KEY` for mutual TLS).

use std::process::ExitCode;
use std::time::Duration;

use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(addr) = args.next().filter(|a| a != "--help" && a != "-h") else {
        eprintln!(
            "usage: adsync-healthcheck ADDR [SERVICE]   e.g. adsync-healthcheck 127.0.0.1:50051"
        );
        return ExitCode::from(2);
    };
    let service = args.next().unwrap_or_default();
    let uri = if addr.contains("://") {
        addr
    } else {
        format!("http://{addr}")
    };
    let mut endpoint = match tonic::transport::Endpoint::from_shared(uri.clone()) {
        Ok(e) => e
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(3)),
        Err(e) => {
            eprintln!("adsync-healthcheck: bad address {uri}: {e}");
            return ExitCode::from(2);
        }
    };
    let tls =
        adsync_server::parse_flags::<adsync_server::TlsArgs, _, String>("adsync-healthcheck", [])
            .map_err(|e| e.to_string())
            .and_then(|tls| tls.client_config(&uri));
    match tls {
        Ok(None) => {}
        Ok(Some(config)) => match endpoint.tls_config(config) {
            Ok(e) => endpoint = e,
            Err(e) => {
                eprintln!("adsync-healthcheck: TLS for {uri}: {e}");
                return ExitCode::from(2);
            }
        },
        Err(why) => {
            eprintln!("adsync-healthcheck: {why}");
            return ExitCode::from(2);
        }
    }
    let channel = match endpoint.connect().await {
        Ok(channel) => channel,
        Err(e) => {
            eprintln!("adsync-healthcheck: cannot connect to {uri}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: service.clone(),
        })
        .await
    {
        Ok(response) if response.get_ref().status() == ServingStatus::Serving => ExitCode::SUCCESS,
        Ok(response) => {
            eprintln!(
                "adsync-healthcheck: {uri} {service:?} is {:?}",
                response.get_ref().status()
            );
            ExitCode::FAILURE
        }
        Err(status) => {
            eprintln!("adsync-healthcheck: {uri}: {}", status.message());
            ExitCode::FAILURE
        }
    }
}
