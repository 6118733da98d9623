//! Rest.li 2.0 query syntax, as LinkedIn parses it: `List(a,b)`,
//! `dateRange=(start:(year:2026,month:8,day:23),end:(...))`, `pivot=(value:CAMPAIGN)`
//! or plain `pivot=CAMPAIGN`. Clients may leave `(),:` unencoded and percent-encode the
//! URNs inside lists, or encode everything; both parse the same.

use std::collections::HashMap;

use chrono::NaiveDate;
use percent_encoding::percent_decode_str;

/// The raw query split into decoded parameters (the last value of a repeated key wins).
#[derive(Debug, Default)]
pub(crate) struct Query(HashMap<String, String>);

impl Query {
    pub(crate) fn parse(raw: Option<&str>) -> Query {
        let mut params = HashMap::new();
        for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            // `+` is a space only in form encoding; Rest.li query strings do not use it.
            params.insert(decode(k), decode(v));
        }
        Query(params)
    }

    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// `List(a,b,c)` → `[a, b, c]`; `List()` → `[]`.
pub(crate) fn parse_list(value: &str) -> Result<Vec<String>, String> {
    let inner = value
        .strip_prefix("List(")
        .and_then(|v| v.strip_suffix(')'))
        .ok_or_else(|| format!("expected List(...), got {value:?}"))?;
    Ok(inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect())
}

/// `(value:CAMPAIGN)` or `CAMPAIGN` → `CAMPAIGN`.
pub(crate) fn parse_enum(value: &str) -> String {
    value
        .strip_prefix("(value:")
        .and_then(|v| v.strip_suffix(')'))
        .unwrap_or(value)
        .to_owned()
}

/// `(start:(year:Y,month:M,day:D)[,end:(year:Y,month:M,day:D)])` → (start, end).
pub(crate) fn parse_date_range(value: &str) -> Result<(NaiveDate, Option<NaiveDate>), String> {
    let inner = value
        .strip_prefix('(')
        .and_then(|v| v.strip_suffix(')'))
        .ok_or_else(|| format!("malformed dateRange {value:?}"))?;
    let start = field_struct(inner, "start:(").ok_or("dateRange has no start")?;
    let end = field_struct(inner, "end:(");
    Ok((parse_date(start)?, end.map(parse_date).transpose()?))
}

/// The body of `name(...)` inside `s`.
fn field_struct<'a>(s: &'a str, name: &str) -> Option<&'a str> {
    let from = s.find(name)? + name.len();
    let to = s[from..].find(')')? + from;
    Some(&s[from..to])
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let mut year = None;
    let mut month = None;
    let mut day = None;
    for part in s.split(',') {
        let (k, v) = part
            .split_once(':')
            .ok_or_else(|| format!("malformed date {s:?}"))?;
        let v: u32 = v
            .trim()
            .parse()
            .map_err(|_| format!("malformed date {s:?}"))?;
        match k.trim() {
            "year" => year = Some(v as i32),
            "month" => month = Some(v),
            "day" => day = Some(v),
            other => return Err(format!("unknown date field {other:?}")),
        }
    }
    match (year, month, day) {
        (Some(y), Some(m), Some(d)) => {
            NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| format!("invalid date {s:?}"))
        }
        _ => Err(format!("incomplete date {s:?}")),
    }
}

/// `(status:(values:List(ACTIVE,PAUSED)))` → the statuses; `None` when not filtered.
pub(crate) fn search_statuses(search: Option<&str>) -> Result<Option<Vec<String>>, String> {
    let Some(search) = search else {
        return Ok(None);
    };
    let Some(from) = search.find("status:(values:") else {
        return Ok(None);
    };
    let rest = &search[from + "status:(values:".len()..];
    let end = rest.find(')').ok_or("malformed search")? + 1;
    parse_list(&rest[..end]).map(Some)
}

/// The numeric id at the end of a URN of the expected kind, e.g.
/// `urn:li:sponsoredCampaign:123` with kind `sponsoredCampaign`.
pub(crate) fn urn_id(urn: &str, kind: &str) -> Option<i64> {
    urn.strip_prefix("urn:li:")?
        .strip_prefix(kind)?
        .strip_prefix(':')?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_clients_send() {
        let q = Query::parse(Some(
            "q=analytics&pivot=(value:CAMPAIGN)&dateRange=(start:(year:2026,month:8,day:3),end:(year:2026,month:11,day:21))\
             &campaigns=List(urn%3Ali%3AsponsoredCampaign%3A1,urn%3Ali%3AsponsoredCampaign%3A2)",
        ));
        assert_eq!(parse_enum(q.get("pivot").unwrap()), "CAMPAIGN");
        let (start, end) = parse_date_range(q.get("dateRange").unwrap()).unwrap();
        assert_eq!(start, NaiveDate::from_ymd_opt(2026, 8, 3).unwrap());
        assert_eq!(end, NaiveDate::from_ymd_opt(2026, 11, 21));
        let ids: Vec<_> = parse_list(q.get("campaigns").unwrap())
            .unwrap()
            .iter()
            .map(|u| urn_id(u, "sponsoredCampaign").unwrap())
            .collect();
        assert_eq!(ids, [1, 2]);
        assert_eq!(
            search_statuses(Some("(status:(values:List(ACTIVE,PAUSED)))")).unwrap(),
            Some(vec!["ACTIVE".into(), "PAUSED".into()])
        );
        assert!(parse_date_range("(start:(year:2026,month:2,day:30))").is_err());
    }
}
