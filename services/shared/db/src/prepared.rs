//! [`prepared_sql`]: hand-written SQL that each connection prepares once, as Diesel does
//! for the queries it builds.
//!
//! `diesel::sql_query` sends its text to be parsed and planned on every call: Diesel
//! cannot know that the text is fixed. For the reports that run thousands of times a
//! minute that is most of their cost where their plans are dear (row-level security adds
//! a subquery per table to every plan). A [`PreparedSql`] is cached under its text by
//! the connection's statement cache, so a connection parses it once and PostgreSQL may
//! keep its plan.
//!
//! The text must be fixed — a constant, or built only from constants — since every
//! distinct text stays in the cache for the connection's life: values go in binds.

use std::borrow::Cow;

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{HasSqlType, Untyped};
use diesel::{PgConnection, QueryResult, RunQueryDsl};

/// `text`, with PostgreSQL's `$1`, `$2`, … placeholders, to be bound with
/// [`PreparedSql::bind`] in order and loaded like `diesel::sql_query`'s.
pub fn prepared_sql<'a>(text: impl Into<Cow<'static, str>>) -> PreparedSql<'a> {
    PreparedSql {
        text: text.into(),
        binds: Vec::new(),
    }
}

/// A fixed SQL text and its bind values; see [`prepared_sql`].
#[must_use = "a query does nothing until it is loaded or executed"]
pub struct PreparedSql<'a> {
    text: Cow<'static, str>,
    binds: Vec<Box<dyn QueryFragment<Pg> + Send + 'a>>,
}

impl<'a> PreparedSql<'a> {
    /// Binds the next placeholder (`$1` first) to `value` as SQL type `ST`.
    pub fn bind<ST, V>(mut self, value: V) -> Self
    where
        Pg: HasSqlType<ST>,
        V: ToSql<ST, Pg> + Send + 'a,
        ST: 'static,
    {
        self.binds.push(Box::new(Bind::<ST, V> {
            value,
            sql_type: std::marker::PhantomData,
        }));
        self
    }
}

/// One bind value of SQL type `ST`.
struct Bind<ST, V> {
    value: V,
    sql_type: std::marker::PhantomData<fn() -> ST>,
}

impl<ST, V> QueryFragment<Pg> for Bind<ST, V>
where
    Pg: HasSqlType<ST>,
    V: ToSql<ST, Pg>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_bind_param::<ST, V>(&self.value)
    }
}

impl QueryFragment<Pg> for PreparedSql<'_> {
    /// The text with each `$n` replaced by bind `n`: Diesel numbers the placeholders
    /// itself as it writes them, so a placeholder used twice is bound twice.
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        for piece in pieces(&self.text) {
            match piece {
                Piece::Text(text) => out.push_sql(text),
                Piece::Placeholder(n) => {
                    let bind = n
                        .checked_sub(1)
                        .and_then(|i| self.binds.get(i))
                        .ok_or_else(|| {
                            diesel::result::Error::QueryBuilderError(
                                format!(
                                    "${n} has no bind: {} bound to {:.80}",
                                    self.binds.len(),
                                    self.text
                                )
                                .into(),
                            )
                        })?;
                    bind.walk_ast(out.reborrow())?;
                }
            }
        }
        Ok(())
    }
}

impl QueryId for PreparedSql<'_> {
    type QueryId = ();
    // Keyed by its text (and bind types) in the statement cache.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for PreparedSql<'_> {
    type SqlType = Untyped;
}

impl RunQueryDsl<PgConnection> for PreparedSql<'_> {}

/// A part of a statement's text.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    /// `$n`.
    Placeholder(usize),
}

/// `text` split at its placeholders; a `$` inside a quoted literal or name is text.
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'\'' || b == b'"' => quote = Some(b),
            None if b == b'$' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                let digits = bytes[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit())
                    .count();
                if start < i {
                    out.push(Piece::Text(&text[start..i]));
                }
                let n = text[i + 1..i + 1 + digits].parse().unwrap_or(usize::MAX);
                out.push(Piece::Placeholder(n));
                i += 1 + digits;
                start = i;
                continue;
            }
            None => {}
        }
        i += 1;
    }
    if start < text.len() {
        out.push(Piece::Text(&text[start..]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_outside_quotes_only() {
        assert_eq!(
            pieces("SELECT '$1', \"a$2\" FROM t WHERE x = $12 AND y = $1"),
            [
                Piece::Text("SELECT '$1', \"a$2\" FROM t WHERE x = "),
                Piece::Placeholder(12),
                Piece::Text(" AND y = "),
                Piece::Placeholder(1),
            ]
        );
        assert_eq!(
            pieces("$1::int8"),
            [Piece::Placeholder(1), Piece::Text("::int8")]
        );
        assert_eq!(pieces("SELECT 1"), [Piece::Text("SELECT 1")]);
    }
}
