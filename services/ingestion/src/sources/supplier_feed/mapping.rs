//! Which column holds which field: the feed's explicit choices first, then known header
//! names in several languages (compared normalised: case, accents and punctuation
//! ignored), then — only proposed, never used by a sync until confirmed — headers
//! merely similar to a known name (Jaro-Winkler). Columns are found by their header,
//! never by position, so a moved or inserted column changes nothing.

use unicode_normalization::UnicodeNormalization;

/// What a column of a price list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Field {
    Sku,
    Name,
    Price,
    Currency,
    EffectiveFrom,
}

impl Field {
    pub(crate) const ALL: [Field; 5] = [
        Field::Sku,
        Field::Name,
        Field::Price,
        Field::Currency,
        Field::EffectiveFrom,
    ];

    /// Its name in configurations and messages.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Field::Sku => "sku",
            Field::Name => "name",
            Field::Price => "price",
            Field::Currency => "currency",
            Field::EffectiveFrom => "effective_from",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// A list without this column cannot be imported.
    pub(crate) fn required(self) -> bool {
        matches!(self, Field::Sku | Field::Name | Field::Price)
    }

    /// Known header names, normalised (see [`normalise`]).
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Field::Sku => &[
                "sku",
                "article number",
                "article no",
                "art nr",
                "artnr",
                "artikelnummer",
                "artikel nr",
                "item code",
                "item number",
                "item no",
                "product code",
                "product number",
                "part number",
                "code",
                "reference",
                "ref",
                "code article",
                "numero d article",
                "bestellnummer",
                "codigo",
                "referencia",
                "codice",
                "codice articolo",
            ],
            Field::Name => &[
                "name",
                "product name",
                "item name",
                "description",
                "product description",
                "title",
                "product",
                "bezeichnung",
                "artikelbezeichnung",
                "produktname",
                "beschreibung",
                "designation",
                "libelle",
                "nom",
                "nom du produit",
                "descripcion",
                "nombre",
                "descrizione",
                "nome",
            ],
            Field::Price => &[
                "price",
                "unit price",
                "net price",
                "trade price",
                "list price",
                "cost",
                "unit cost",
                "preis",
                "einzelpreis",
                "nettopreis",
                "netto",
                "ek preis",
                "listenpreis",
                "prix",
                "prix ht",
                "prix unitaire",
                "prix unitaire ht",
                "tarif",
                "precio",
                "precio unitario",
                "prezzo",
                "prezzo unitario",
            ],
            Field::Currency => &[
                "currency",
                "currency code",
                "curr",
                "ccy",
                "wahrung",
                "devise",
                "monnaie",
                "moneda",
                "divisa",
                "valuta",
            ],
            Field::EffectiveFrom => &[
                "valid from",
                "effective date",
                "effective from",
                "price date",
                "start date",
                "gultig ab",
                "gultig von",
                "date d effet",
                "date effet",
                "valable a partir du",
                "valido desde",
                "valido dal",
                "fecha de vigencia",
            ],
        }
    }
}

/// A header as compared: accents removed (NFD without combining marks, ß as ss),
/// lower case, every run of other characters one space.
pub(crate) fn normalise(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    let mut space = false;
    for c in header.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        if c == 'ß' {
            out.push_str("ss");
            space = false;
        } else if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(c.to_lowercase());
        } else {
            space = true;
        }
    }
    out
}

/// How a column was matched to a field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Match {
    Explicit,
    Synonym,
    /// Only similar to a known name (its similarity): needs confirming.
    Fuzzy(f64),
}

/// One field's column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mapped {
    pub(crate) field: Field,
    /// 0-based, within the row.
    pub(crate) column: usize,
    pub(crate) header: String,
    pub(crate) how: Match,
}

/// The columns of a header row: the fields found, and the other headers (kept per item
/// as characteristics).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mapping {
    pub(crate) fields: Vec<Mapped>,
    /// (column, header) of the columns no usable field takes, headers non-empty.
    pub(crate) others: Vec<(usize, String)>,
}

/// The least Jaro-Winkler similarity proposed as a fuzzy match.
const FUZZY_AT_LEAST: f64 = 0.85;

impl Mapping {
    /// The column of `field` a sync may use: explicit or a known name (a fuzzy match
    /// is only a proposal).
    pub(crate) fn column(&self, field: Field) -> Option<usize> {
        self.fields
            .iter()
            .find(|m| m.field == field && !matches!(m.how, Match::Fuzzy(_)))
            .map(|m| m.column)
    }

    /// Why a sync cannot use this mapping: a required field without a usable column.
    pub(crate) fn unusable(&self) -> Option<String> {
        let missing: Vec<String> = Field::ALL
            .into_iter()
            .filter(|f| f.required() && self.column(*f).is_none())
            .map(|f| match self.fields.iter().find(|m| m.field == f) {
                Some(m) => format!(
                    "{} (the column {:?} only resembles a known name for it: confirm it with an explicit column choice)",
                    f.as_str(),
                    m.header
                ),
                None => f.as_str().to_owned(),
            })
            .collect();
        (!missing.is_empty()).then(|| format!("no column for {}", missing.join(", ")))
    }
}

/// Maps `headers` (one header row): explicit choices (`explicit`: field and header
/// text) always win; an explicit header missing from the row is an error, as is a header
/// a field needs appearing twice.
pub(crate) fn map_headers(
    headers: &[String],
    explicit: &[(Field, String)],
) -> Result<Mapping, String> {
    let normalised: Vec<String> = headers.iter().map(|h| normalise(h)).collect();
    let mut fields: Vec<Mapped> = Vec::new();
    let mut taken = vec![false; headers.len()];
    let find_unique = |wanted: &str, field: Field| -> Result<Option<usize>, String> {
        let hits: Vec<usize> = normalised
            .iter()
            .enumerate()
            .filter(|(_, n)| !n.is_empty() && n.as_str() == wanted)
            .map(|(i, _)| i)
            .collect();
        match hits.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            [first, second, ..] => Err(format!(
                "the header {:?} for {} appears more than once (columns {} and {}): choose one by renaming it",
                headers[*first],
                field.as_str(),
                first + 1,
                second + 1
            )),
        }
    };
    for (field, header) in explicit {
        let Some(column) = find_unique(&normalise(header), *field)? else {
            return Err(format!(
                "the column {header:?} chosen for {} is not in the header row",
                field.as_str()
            ));
        };
        taken[column] = true;
        fields.push(Mapped {
            field: *field,
            column,
            header: headers[column].clone(),
            how: Match::Explicit,
        });
    }
    for field in Field::ALL {
        if fields.iter().any(|m| m.field == field) {
            continue;
        }
        for synonym in field.synonyms() {
            if let Some(column) = find_unique(synonym, field)?.filter(|c| !taken[*c]) {
                taken[column] = true;
                fields.push(Mapped {
                    field,
                    column,
                    header: headers[column].clone(),
                    how: Match::Synonym,
                });
                break;
            }
        }
    }
    for field in Field::ALL {
        if fields.iter().any(|m| m.field == field) {
            continue;
        }
        let best = normalised
            .iter()
            .enumerate()
            .filter(|(c, n)| !taken[*c] && !n.is_empty())
            .flat_map(|(c, n)| {
                field
                    .synonyms()
                    .iter()
                    .map(move |s| (c, strsim::jaro_winkler(n, s)))
            })
            .filter(|(_, score)| *score >= FUZZY_AT_LEAST)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((column, score)) = best {
            fields.push(Mapped {
                field,
                column,
                header: headers[column].clone(),
                how: Match::Fuzzy(score),
            });
        }
    }
    fields.sort_by_key(|m| m.field);
    let used: Vec<usize> = fields
        .iter()
        .filter(|m| !matches!(m.how, Match::Fuzzy(_)))
        .map(|m| m.column)
        .collect();
    let others = headers
        .iter()
        .enumerate()
        .filter(|(c, h)| !used.contains(c) && !h.trim().is_empty())
        .map(|(c, h)| (c, h.trim().to_owned()))
        .collect();
    Ok(Mapping { fields, others })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(hs: &[&str]) -> Vec<String> {
        hs.iter().map(|h| (*h).to_owned()).collect()
    }

    fn columns(m: &Mapping) -> Vec<(Field, usize)> {
        Field::ALL
            .into_iter()
            .filter_map(|f| m.column(f).map(|c| (f, c)))
            .collect()
    }

    #[test]
    fn headers_are_compared_without_case_accents_or_punctuation() {
        assert_eq!(normalise("Art.-Nr."), "art nr");
        assert_eq!(normalise("  Référence "), "reference");
        assert_eq!(normalise("Gültig ab"), "gultig ab");
        assert_eq!(normalise("Date d'effet"), "date d effet");
        assert_eq!(normalise("Straße"), "strasse");
    }

    #[test]
    fn known_names_in_several_languages_map_every_field() {
        let de = map_headers(
            &headers(&[
                "Art.-Nr.",
                "Bezeichnung",
                "Preis",
                "Brutto",
                "Gültig ab",
                "Bemerkung",
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(
            columns(&de),
            [
                (Field::Sku, 0),
                (Field::Name, 1),
                (Field::Price, 2),
                (Field::EffectiveFrom, 4)
            ]
        );
        // The gross price is not the price: it stays a characteristic.
        assert_eq!(
            de.others,
            [(3, "Brutto".to_owned()), (5, "Bemerkung".to_owned())]
        );
        let fr = map_headers(
            &headers(&[
                "Référence",
                "Désignation",
                "Stock",
                "Prix HT",
                "Devise",
                "Date d'effet",
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(
            columns(&fr),
            [
                (Field::Sku, 0),
                (Field::Name, 1),
                (Field::Price, 3),
                (Field::Currency, 4),
                (Field::EffectiveFrom, 5)
            ]
        );
        assert!(fr.unusable().is_none());
    }

    #[test]
    fn explicit_choices_win_and_must_exist() {
        let m = map_headers(
            &headers(&["Code", "Name", "Price", "Our price"]),
            &[(Field::Price, "our PRICE".into())],
        )
        .unwrap();
        assert_eq!(m.column(Field::Price), Some(3));
        assert_eq!(m.fields[2].how, Match::Explicit);
        // The other "Price" is kept as a characteristic.
        assert_eq!(m.others, [(2, "Price".to_owned())]);
        let err = map_headers(
            &headers(&["Code", "Name"]),
            &[(Field::Price, "Preis".into())],
        )
        .unwrap_err();
        assert!(err.contains("\"Preis\" chosen for price"), "{err}");
    }

    #[test]
    fn a_similar_header_is_only_proposed() {
        let m = map_headers(&headers(&["SKU", "Product nme", "Unit prize"]), &[]).unwrap();
        assert!(matches!(
            m.fields.iter().find(|f| f.field == Field::Price).unwrap().how,
            Match::Fuzzy(s) if s >= FUZZY_AT_LEAST
        ));
        assert_eq!(m.column(Field::Price), None);
        let why = m.unusable().unwrap();
        assert!(why.contains("\"Unit prize\" only resembles"), "{why}");
        // Unconfirmed, it is kept as a characteristic.
        assert!(m.others.iter().any(|(_, h)| h == "Unit prize"));
    }

    #[test]
    fn a_needed_header_twice_is_refused_and_a_missing_one_named() {
        let err = map_headers(&headers(&["SKU", "Name", "Price", "price"]), &[]).unwrap_err();
        assert!(err.contains("appears more than once"), "{err}");
        let m = map_headers(&headers(&["SKU", "Colour"]), &[]).unwrap();
        assert_eq!(m.unusable().unwrap(), "no column for name, price");
    }
}
