//! What every source accepts as an exact decimal in upstream text: digits, an optional
//! leading minus, an optional fraction (`12`, `-0.5`, `1234.50`; not `.5`, `1e3`, `1,5`).

/// `Ok` when `text` is a plain decimal; otherwise why, naming `field`.
pub(crate) fn check_plain_decimal(text: &str, field: &str) -> Result<(), String> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    let ok = !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && !frac.is_empty()
        && frac.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(format!("{field}: {text:?} is not a decimal number"))
    }
}
