//! The spreadsheets: supplier price lists generated from a seed, each in its supplier's
//! own layout (header words in its language, a title row above the header or not, extra
//! columns, a formula column, a second sheet before the price sheet), with a share of
//! bad rows. Cells keep exact values (numbers as integer units and a scale) and a
//! number format; the roles of the columns (SKU, name, price, ...) let the sandbox say
//! what a correct import stores, even after edits.

use std::collections::BTreeSet;

use chrono::{DateTime, Days, NaiveDate, Utc};

/// How a spreadsheet formats numbers and dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    EnUs,
    EnGb,
    DeDe,
    FrFr,
}

impl Locale {
    pub fn code(self) -> &'static str {
        match self {
            Locale::EnUs => "en_US",
            Locale::EnGb => "en_GB",
            Locale::DeDe => "de_DE",
            Locale::FrFr => "fr_FR",
        }
    }
}

/// A cell's value, exact.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    /// `units` × 10^-`scale`.
    Number {
        units: i64,
        scale: u32,
    },
    Date(NaiveDate),
    /// A formula and what it evaluates to.
    Formula {
        formula: String,
        result: Box<Value>,
    },
}

impl Value {
    pub fn number(units: i64, scale: u32) -> Value {
        Value::Number { units, scale }
    }

    pub fn text(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    /// A number without trailing zero decimals (12.340 as 12.34); other values as they are.
    pub fn normalized(self) -> Value {
        match self {
            Value::Number {
                mut units,
                mut scale,
            } => {
                while scale > 0 && units % 10 == 0 {
                    units /= 10;
                    scale -= 1;
                }
                Value::Number { units, scale }
            }
            other => other,
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Value::Empty => true,
            Value::Text(t) => t.is_empty(),
            _ => false,
        }
    }
}

/// A number format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// As typed.
    General,
    /// Money with its symbol, two decimals, in the locale's way.
    Currency(&'static str),
    /// Two decimals with grouping: `#,##0.00`.
    Decimal2,
    Date,
}

/// One cell: a value and its format, plus formatting that shows no value (bold, colour),
/// which only format edits change.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub value: Value,
    pub format: Format,
    pub style: u32,
}

impl Cell {
    pub fn new(value: Value, format: Format) -> Cell {
        Cell {
            value,
            format,
            style: 0,
        }
    }

    pub fn empty() -> Cell {
        Cell::new(Value::Empty, Format::General)
    }
}

/// What a column holds, for the ground truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Sku,
    Name,
    Price,
    Currency,
    ValidFrom,
    Other,
}

/// One sheet (tab).
#[derive(Debug, Clone)]
pub struct Sheet {
    /// Google's id of the tab: stable, not its position.
    pub sheet_id: i64,
    pub title: String,
    pub row_count: usize,
    pub column_count: usize,
    /// Row-major; rows may be shorter than others.
    pub rows: Vec<Vec<Cell>>,
    /// The price sheet's column roles (empty for other sheets).
    pub roles: Vec<Role>,
    /// The price sheet's header row (0-based).
    pub header_row: usize,
    /// Merged cells: (first row, first column, rows, columns), 0-based.
    pub merges: Vec<(usize, usize, usize, usize)>,
}

impl Sheet {
    pub fn cell(&self, row: usize, col: usize) -> Option<&Cell> {
        self.rows.get(row).and_then(|r| r.get(col))
    }

    /// The cell at (row, col), the grid grown to hold it.
    pub fn cell_mut(&mut self, row: usize, col: usize) -> &mut Cell {
        if self.rows.len() <= row {
            self.rows.resize(row + 1, Vec::new());
        }
        let r = &mut self.rows[row];
        if r.len() <= col {
            r.resize(col + 1, Cell::empty());
        }
        self.row_count = self.row_count.max(row + 1);
        self.column_count = self.column_count.max(col + 1);
        &mut r[col]
    }
}

/// A spreadsheet (one supplier's price list).
#[derive(Debug, Clone)]
pub struct Spreadsheet {
    pub id: String,
    pub title: String,
    pub locale: Locale,
    pub time_zone: &'static str,
    /// The currency of prices whose row does not say it.
    pub currency: &'static str,
    /// In tab order.
    pub sheets: Vec<Sheet>,
    /// Which of `sheets` holds the prices.
    pub price_sheet: usize,
    /// Drive's `version`: one more on every edit, formatting-only ones included.
    pub version: u64,
    pub modified: DateTime<Utc>,
    /// Service-account emails it is shared with.
    pub shared_with: BTreeSet<String>,
}

/// A row a correct import stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceRow {
    /// 1-based, as the sheet shows it.
    pub row: usize,
    pub sku: String,
    pub name: String,
    /// Exact, two decimals: "1234.50".
    pub price: String,
    pub currency: String,
    pub valid_from: Option<NaiveDate>,
}

/// A row a correct import refuses, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub row: usize,
    pub reason: String,
}

/// What a correct import of a spreadsheet stores and refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truth {
    pub sheet_title: String,
    pub header_row: usize,
    pub rows: Vec<PriceRow>,
    pub rejected: Vec<Rejected>,
}

impl Spreadsheet {
    /// Re-reads the price sheet by column role: what a correct import stores. Empty lines
    /// are neither stored nor refused; a SKU seen before is refused (the first wins).
    pub fn truth(&self) -> Truth {
        let sheet = &self.sheets[self.price_sheet];
        let col = |role: Role| sheet.roles.iter().position(|r| *r == role);
        let (sku_c, name_c, price_c) = (col(Role::Sku), col(Role::Name), col(Role::Price));
        let (currency_c, date_c) = (col(Role::Currency), col(Role::ValidFrom));
        let mut rows = Vec::new();
        let mut rejected = Vec::new();
        let mut seen: Vec<(String, usize)> = Vec::new();
        for (i, cells) in sheet.rows.iter().enumerate().skip(sheet.header_row + 1) {
            if cells.iter().all(|c| c.value.is_empty()) {
                continue;
            }
            let value = |c: Option<usize>| {
                c.and_then(|c| cells.get(c))
                    .map_or(Value::Empty, |cell| cell.value.clone())
            };
            let row = i + 1;
            let result = (|| {
                let sku = match value(sku_c) {
                    Value::Text(t) if !t.trim().is_empty() => t.trim().to_owned(),
                    Value::Number { units, scale: 0 } => units.to_string(),
                    _ => return Err("no SKU".to_owned()),
                };
                let name = match value(name_c) {
                    Value::Text(t) => t.trim().to_owned(),
                    _ => String::new(),
                };
                // A cell holds a number, not its digits: 12.340 is 12.34.
                let price = match value(price_c).normalized() {
                    Value::Number { units, scale } if scale <= 2 => {
                        if units < 0 {
                            return Err("a negative price".to_owned());
                        }
                        let cents = units * 10_i64.pow(2 - scale);
                        format!("{}.{:02}", cents / 100, cents % 100)
                    }
                    Value::Number { .. } => return Err("a price with more than 2 decimals".into()),
                    Value::Empty => return Err("no price".into()),
                    _ => return Err("a price that is not a number".into()),
                };
                let currency = match value(currency_c) {
                    Value::Text(t) if t.trim().len() == 3 => t.trim().to_uppercase(),
                    _ => match price_c.and_then(|c| cells.get(c)).map(|c| c.format) {
                        Some(Format::Currency(code)) => code.to_owned(),
                        _ => self.currency.to_owned(),
                    },
                };
                let valid_from = match value(date_c) {
                    Value::Date(d) => Some(d),
                    _ => None,
                };
                Ok(PriceRow {
                    row,
                    sku,
                    name,
                    price,
                    currency,
                    valid_from,
                })
            })();
            match result {
                Ok(r) => match seen.iter().find(|(s, _)| *s == r.sku) {
                    Some((_, first)) => rejected.push(Rejected {
                        row,
                        reason: format!("duplicate SKU {} (first on row {first})", r.sku),
                    }),
                    None => {
                        seen.push((r.sku.clone(), row));
                        rows.push(r);
                    }
                },
                Err(reason) => rejected.push(Rejected { row, reason }),
            }
        }
        Truth {
            sheet_title: sheet.title.clone(),
            header_row: sheet.header_row + 1,
            rows,
            rejected,
        }
    }

    pub(crate) fn touch(&mut self, now: DateTime<Utc>) {
        self.version += 1;
        self.modified = now.max(self.modified + chrono::TimeDelta::milliseconds(1));
    }
}

/// A deterministic stream of numbers from a seed (SplitMix64).
pub(crate) struct Rng(u64);

impl Rng {
    /// Stream `stream` of `seed`: streams start at unrelated states (a plain XOR would
    /// make neighbouring streams the same sequence shifted).
    pub(crate) fn new(seed: u64, stream: u64) -> Rng {
        Rng(mix(seed ^ mix(stream.wrapping_add(0x5851_F42D_4C95_7F2D))))
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// SplitMix64's finaliser.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const ADJECTIVES: [&str; 8] = [
    "Steel", "Oak", "Ceramic", "Copper", "Linen", "Glass", "Bamboo", "Granite",
];
const NOUNS: [&str; 8] = [
    "shelf", "lamp", "bowl", "hook", "basket", "vase", "tray", "stool",
];

/// One supplier's layout.
struct Layout {
    title: &'static str,
    locale: Locale,
    time_zone: &'static str,
    currency: &'static str,
    sku_prefix: &'static str,
    /// The tab before the price sheet, if any.
    first_tab: Option<&'static str>,
    price_tab: &'static str,
    /// A title row (merged across the header) above the header, with an empty row after.
    title_row: Option<&'static str>,
    headers: &'static [(&'static str, Role)],
    price_format: Format,
    /// A gross-price formula column after the price.
    gross_formula: bool,
}

const LAYOUTS: [Layout; 4] = [
    Layout {
        title: "Acme Supplies price list",
        locale: Locale::EnUs,
        time_zone: "America/New_York",
        currency: "USD",
        sku_prefix: "ACM",
        first_tab: None,
        price_tab: "Prices",
        title_row: None,
        headers: &[
            ("SKU", Role::Sku),
            ("Product name", Role::Name),
            ("Unit price", Role::Price),
            ("Currency", Role::Currency),
            ("Valid from", Role::ValidFrom),
        ],
        price_format: Format::Currency("USD"),
        gross_formula: false,
    },
    Layout {
        title: "Müller GmbH Preisliste",
        locale: Locale::DeDe,
        time_zone: "Europe/Berlin",
        currency: "EUR",
        sku_prefix: "MUE",
        first_tab: Some("Hinweise"),
        price_tab: "Preisliste 2026",
        title_row: Some("Preisliste 2026 – alle Preise netto"),
        headers: &[
            ("Art.-Nr.", Role::Sku),
            ("Bezeichnung", Role::Name),
            ("Preis", Role::Price),
            ("Brutto", Role::Other),
            ("Gültig ab", Role::ValidFrom),
            ("Bemerkung", Role::Other),
        ],
        price_format: Format::Currency("EUR"),
        gross_formula: true,
    },
    Layout {
        title: "Dupont SARL — tarifs",
        locale: Locale::FrFr,
        time_zone: "Europe/Paris",
        currency: "EUR",
        sku_prefix: "DUP",
        first_tab: Some("Lisez-moi"),
        price_tab: "Tarifs HT",
        title_row: Some("TARIFS 2026"),
        headers: &[
            ("Référence", Role::Sku),
            ("Désignation", Role::Name),
            ("Stock", Role::Other),
            ("Prix HT", Role::Price),
            ("Devise", Role::Currency),
            ("Date d'effet", Role::ValidFrom),
        ],
        price_format: Format::Decimal2,
        gross_formula: false,
    },
    Layout {
        title: "Brightwell Ltd trade prices",
        locale: Locale::EnGb,
        time_zone: "Europe/London",
        currency: "GBP",
        sku_prefix: "BRW",
        first_tab: None,
        price_tab: "Trade prices",
        title_row: None,
        headers: &[
            ("Item code", Role::Sku),
            ("Description", Role::Name),
            ("Pack size", Role::Other),
            ("Trade price", Role::Price),
            ("Effective date", Role::ValidFrom),
        ],
        price_format: Format::Currency("GBP"),
        gross_formula: false,
    },
];

/// The kinds of bad rows generated, in turn.
#[derive(Debug, Clone, Copy)]
enum Bad {
    MissingSku,
    NegativePrice,
    TextPrice,
    ThreeDecimals,
    DuplicateSku,
    EmptyLine,
}

const BAD: [Bad; 6] = [
    Bad::MissingSku,
    Bad::NegativePrice,
    Bad::TextPrice,
    Bad::ThreeDecimals,
    Bad::DuplicateSku,
    Bad::EmptyLine,
];

/// Supplier `n`'s spreadsheet of `rows` price rows (about one in ten bad), from `seed`.
pub(crate) fn generate(seed: u64, n: u32, rows: u32, now: DateTime<Utc>) -> Spreadsheet {
    let layout = &LAYOUTS[n as usize % LAYOUTS.len()];
    let mut rng = Rng::new(seed, u64::from(n) + 1);
    // Drive ids: 44 characters of [A-Za-z0-9_-].
    const ID_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let id: String = (0..44)
        .map(|i| {
            if i == 0 {
                '1'
            } else {
                ID_CHARS[rng.below(ID_CHARS.len() as u64) as usize] as char
            }
        })
        .collect();
    let sheet_id = |rng: &mut Rng| 1 + rng.below(2_000_000_000) as i64;

    let mut price = Sheet {
        sheet_id: sheet_id(&mut rng),
        title: layout.price_tab.to_owned(),
        row_count: 1000,
        column_count: 26,
        rows: Vec::new(),
        roles: layout.headers.iter().map(|(_, r)| *r).collect(),
        header_row: 0,
        merges: Vec::new(),
    };
    if let Some(title) = layout.title_row {
        price
            .rows
            .push(vec![Cell::new(Value::text(title), Format::General)]);
        price.rows.push(Vec::new());
        price.header_row = 2;
        // The title spans the table.
        price.merges.push((0, 0, 1, layout.headers.len()));
    }
    price.rows.push(
        layout
            .headers
            .iter()
            .map(|(h, _)| Cell::new(Value::text(h), Format::General))
            .collect(),
    );
    let col = |role: Role| layout.headers.iter().position(|(_, r)| *r == role);
    let first_day = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date");
    let mut last_sku = String::new();
    let mut bad_turn = 0usize;
    for r in 0..rows {
        let sheet_row = price.rows.len();
        let mut cells = vec![Cell::empty(); layout.headers.len()];
        let mut sku = format!("{}-{:05}", layout.sku_prefix, 10_000 + r * 7 + n);
        let name = format!(
            "{} {} {}",
            ADJECTIVES[rng.below(8) as usize],
            NOUNS[rng.below(8) as usize],
            1 + rng.below(90)
        );
        // Prices from 0.50 to 2,500.00, so some need a thousands separator.
        let mut price_value = Value::number(50 + rng.below(249_950) as i64, 2);
        let bad = (rng.below(10) == 0).then(|| {
            bad_turn += 1;
            BAD[(bad_turn - 1) % BAD.len()]
        });
        match bad {
            Some(Bad::EmptyLine) => {
                price.rows.push(Vec::new());
                continue;
            }
            Some(Bad::MissingSku) => sku.clear(),
            Some(Bad::NegativePrice) => {
                price_value = Value::number(-(100 + rng.below(9_900) as i64), 2)
            }
            Some(Bad::TextPrice) => {
                price_value = Value::text(match layout.locale {
                    Locale::EnUs | Locale::EnGb => "call us",
                    Locale::DeDe => "auf Anfrage",
                    Locale::FrFr => "sur demande",
                })
            }
            Some(Bad::ThreeDecimals) => {
                price_value = Value::number(1_000 + rng.below(99_000) as i64, 3)
            }
            Some(Bad::DuplicateSku) if !last_sku.is_empty() => sku = last_sku.clone(),
            _ => {}
        }
        if !sku.is_empty() {
            last_sku = sku.clone();
        }
        let set = |cells: &mut Vec<Cell>, role: Role, cell: Cell| {
            if let Some(c) = col(role) {
                cells[c] = cell;
            }
        };
        set(
            &mut cells,
            Role::Sku,
            Cell::new(Value::Text(sku), Format::General),
        );
        set(
            &mut cells,
            Role::Name,
            Cell::new(Value::Text(name), Format::General),
        );
        set(
            &mut cells,
            Role::Price,
            Cell::new(price_value.clone(), layout.price_format),
        );
        set(
            &mut cells,
            Role::Currency,
            Cell::new(Value::text(layout.currency), Format::General),
        );
        let day = first_day + Days::new(rng.below(300));
        set(
            &mut cells,
            Role::ValidFrom,
            Cell::new(Value::Date(day), Format::Date),
        );
        if layout.gross_formula {
            let price_col = col(Role::Price).expect("a price column");
            let letter = (b'A' + price_col as u8) as char;
            let result = match &price_value {
                Value::Number { units, scale } => {
                    // × 1.19, exact: four more decimals at most.
                    Value::number(units * 119, scale + 2)
                }
                _ => Value::text("#VALUE!"),
            };
            cells[price_col + 1] = Cell::new(
                Value::Formula {
                    formula: format!("={letter}{}*1.19", sheet_row + 1),
                    result: Box::new(result),
                },
                layout.price_format,
            );
        }
        // The last column, if it is a remark, is mostly left empty: rows are ragged.
        if let Some(Role::Other) = layout.headers.last().map(|(_, r)| *r) {
            if rng.below(4) == 0 {
                let last = cells.len() - 1;
                cells[last] = Cell::new(Value::text("Auslaufartikel"), Format::General);
            } else {
                cells.pop();
            }
        }
        if let Some(c) = layout
            .headers
            .iter()
            .position(|(h, _)| ["Stock", "Pack size"].contains(h))
        {
            cells[c] = Cell::new(Value::number(1 + rng.below(500) as i64, 0), Format::General);
        }
        price.rows.push(cells);
    }

    // A new sheet has 1000 rows; a longer list has as many as it fills.
    price.row_count = price.row_count.max(price.rows.len());
    let mut sheets = Vec::new();
    if let Some(tab) = layout.first_tab {
        sheets.push(Sheet {
            sheet_id: sheet_id(&mut rng),
            title: tab.to_owned(),
            row_count: 1000,
            column_count: 26,
            rows: vec![vec![Cell::new(
                Value::text("Bitte Preise im nächsten Tabellenblatt / voir l'onglet suivant"),
                Format::General,
            )]],
            roles: Vec::new(),
            header_row: 0,
            merges: Vec::new(),
        });
    }
    let price_sheet = sheets.len();
    sheets.push(price);
    Spreadsheet {
        id,
        title: layout.title.to_owned(),
        locale: layout.locale,
        time_zone: layout.time_zone,
        currency: layout.currency,
        sheets,
        price_sheet,
        version: 1 + rng.below(500),
        modified: now,
        shared_with: BTreeSet::new(),
    }
}
