//! How results are shown: aligned tables for people, or JSON for programs — the proto3
//! JSON mapping grpcurl prints, so both tools show the same names and values.

use std::sync::OnceLock;

use adsync_proto::reporting::Money;
use prost_reflect::{DescriptorPool, DynamicMessage, SerializeOptions};
use serde_json::Value;

/// A table printed with aligned columns; numeric columns are right-aligned.
#[derive(Debug)]
pub(crate) struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn new(headers: &[&'static str]) -> Table {
        Table {
            headers: headers.to_vec(),
            rows: Vec::new(),
        }
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.headers.len());
        self.rows.push(cells);
    }

    pub(crate) fn print(&self) {
        if self.rows.is_empty() {
            println!("(none)");
            return;
        }
        let columns = self.headers.len();
        let width = |c: usize| {
            self.rows
                .iter()
                .map(|r| r[c].chars().count())
                .chain([self.headers[c].len()])
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..columns).map(width).collect();
        let numeric: Vec<bool> = (0..columns)
            .map(|c| {
                self.rows.iter().all(|r| {
                    let cell = r[c].split(' ').next().unwrap_or_default();
                    cell.is_empty()
                        || cell == "-"
                        || cell.trim_end_matches('%').parse::<f64>().is_ok()
                })
            })
            .collect();
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(c, cell)| {
                    let pad = widths[c].saturating_sub(cell.chars().count());
                    if numeric[c] {
                        format!("{}{cell}", " ".repeat(pad))
                    } else {
                        format!("{cell}{}", " ".repeat(pad))
                    }
                })
                .collect();
            println!("{}", padded.join("  ").trim_end());
        };
        line(
            &self
                .headers
                .iter()
                .map(|h| (*h).to_owned())
                .collect::<Vec<_>>(),
        );
        line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>());
        for row in &self.rows {
            line(row);
        }
    }
}

fn pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        DescriptorPool::decode(adsync_proto::FILE_DESCRIPTOR_SET)
            .expect("the compiled descriptor set decodes")
    })
}

/// `message` (of proto type `full_name`) in the proto3 JSON mapping, default values included.
pub(crate) fn json<M: prost::Message>(message: &M, full_name: &str) -> Value {
    let descriptor = pool()
        .get_message_by_name(full_name)
        .unwrap_or_else(|| panic!("{full_name} is in the descriptor set"));
    let dynamic = DynamicMessage::decode(descriptor, message.encode_to_vec().as_slice())
        .expect("a message re-decodes with its own descriptor");
    let options = SerializeOptions::new().skip_default_fields(false);
    dynamic
        .serialize_with_options(serde_json::value::Serializer, &options)
        .expect("JSON serialization cannot fail")
}

/// Prints one JSON document on one line (NDJSON when there are several).
pub(crate) fn print_json(value: &Value) {
    println!("{value}");
}

/// "19.91833 USD", or "-" when unset.
pub(crate) fn money(m: Option<&Money>) -> String {
    m.map_or_else(
        || "-".to_owned(),
        |m| format!("{} {}", m.amount, m.currency_code),
    )
}

/// An optional ratio, or "-" when undefined (its denominator was zero).
pub(crate) fn ratio(r: Option<&String>, suffix: &str) -> String {
    r.map_or_else(|| "-".to_owned(), |r| format!("{r}{suffix}"))
}

/// A timestamp as "2026-11-22T03:01:05Z", or "-".
pub(crate) fn time(t: Option<&prost_types::Timestamp>) -> String {
    t.and_then(|t| chrono::DateTime::from_timestamp(t.seconds, t.nanos.max(0) as u32))
        .map_or_else(
            || "-".to_owned(),
            |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        )
}
