//! RFC 3339 timestamps to and from milliseconds since the Unix epoch.
//!
//! By hand because humantime accepts only UTC (`Z`), and a consultant will paste the
//! client's local time with its offset (`+01:00`).

pub(super) const MALFORMED: &str =
    "an RFC 3339 timestamp like 2026-11-25T10:00:00Z or 2026-11-25T11:00:00+01:00, with Z or an offset";
pub(super) const BEFORE_EPOCH: &str = "a timestamp from 1970-01-01T00:00:00Z on";

/// Milliseconds since the epoch; fractions finer than a millisecond are dropped.
/// Times before 1970 are refused: Kafka reads negative timestamps as "latest"/"earliest".
pub(super) fn parse_rfc3339(text: &str) -> Result<i64, &'static str> {
    let millis = parse_fields(text.as_bytes()).ok_or(MALFORMED)?;
    if millis < 0 {
        return Err(BEFORE_EPOCH);
    }
    Ok(millis)
}

fn parse_fields(bytes: &[u8]) -> Option<i64> {
    let number = |from: usize, len: usize| -> Option<i64> {
        let digits = bytes.get(from..from + len)?;
        digits.iter().try_fold(0i64, |sum, &digit| digit.is_ascii_digit().then(|| sum * 10 + i64::from(digit - b'0')))
    };
    let expect = |at: usize, allowed: &[u8]| bytes.get(at).is_some_and(|byte| allowed.contains(byte));
    if !(expect(4, b"-") && expect(7, b"-") && expect(10, b"Tt ") && expect(13, b":") && expect(16, b":")) {
        return None;
    }
    let (year, month, day) = (number(0, 4)?, number(5, 2)?, number(8, 2)?);
    let (hour, minute, second) = (number(11, 2)?, number(14, 2)?, number(17, 2)?);
    // RFC 3339 allows second 60 for leap seconds; it then simply rolls into the next minute.
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let mut at = 19;
    let mut millis = 0;
    if expect(at, b".") {
        let after_dot = bytes.get(at + 1..).unwrap_or_default();
        let digits = after_dot.iter().take_while(|byte| byte.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let kept = digits.min(3);
        millis = number(at + 1, kept)? * 10i64.pow(3 - kept as u32);
        at += 1 + digits;
    }
    let offset_minutes = match bytes.get(at..)? {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (hours, minutes) = (number(at + 1, 2)?, number(at + 4, 2)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            if *sign == b'-' {
                -(hours * 60 + minutes)
            } else {
                hours * 60 + minutes
            }
        }
        _ => return None,
    };
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Some((seconds - offset_minutes * 60) * 1000 + millis)
}

/// `2026-11-25T10:00:00Z`, with `.mmm` only when the milliseconds are not zero.
pub(super) fn format_rfc3339(millis_since_epoch: i64) -> String {
    let seconds = millis_since_epoch.div_euclid(1000);
    let millis = millis_since_epoch.rem_euclid(1000);
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let of_day = seconds.rem_euclid(86_400);
    let (hour, minute, second) = (of_day / 3600, of_day % 3600 / 60, of_day % 60);
    let fraction = if millis == 0 { String::new() } else { format!(".{millis:03}") };
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}Z")
}

fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's algorithms (http://howardhinnant.github.io/date_algorithms.html):
// eras of 400 years starting in March make the leap day the last day of a year.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339() {
        #[rustfmt::skip]
        let cases: &[(&str, Result<i64, &str>)] = &[
            ("1970-01-01T00:00:00Z", Ok(0)),
            ("2026-11-25T10:00:00Z", Ok(1_795_600_800_000)),
            ("2026-11-25T11:00:00+01:00", Ok(1_795_600_800_000)),
            ("2026-11-25T05:30:00-04:30", Ok(1_795_600_800_000)),
            ("2026-11-25t10:00:00z", Ok(1_795_600_800_000)),
            ("2026-11-25 10:00:00Z", Ok(1_795_600_800_000)),
            ("2026-11-25T10:00:00-00:00", Ok(1_795_600_800_000)),
            ("2026-11-25T10:00:00.5Z", Ok(1_795_600_800_500)),
            ("2026-11-25T10:00:00.123456789Z", Ok(1_795_600_800_123)),
            ("2024-02-29T00:00:00Z", Ok(1_709_164_800_000)),
            ("2016-12-31T23:59:60Z", Ok(1_483_228_800_000)),
            ("2000-03-01T00:00:00Z", Ok(951_868_800_000)),
            ("1969-12-31T23:59:59Z", Err(BEFORE_EPOCH)),
            ("1970-01-01T00:30:00+01:00", Err(BEFORE_EPOCH)),
            ("2023-02-29T00:00:00Z", Err(MALFORMED)),
            ("2026-13-01T00:00:00Z", Err(MALFORMED)),
            ("2026-00-01T00:00:00Z", Err(MALFORMED)),
            ("2026-04-31T00:00:00Z", Err(MALFORMED)),
            ("2026-11-25T24:00:00Z", Err(MALFORMED)),
            ("2026-11-25T10:60:00Z", Err(MALFORMED)),
            ("2026-11-25T10:00:61Z", Err(MALFORMED)),
            ("2026-11-25T10:00:00", Err(MALFORMED)),
            ("2026-11-25T10:00:00.Z", Err(MALFORMED)),
            ("2026-11-25T10:00:00+0100", Err(MALFORMED)),
            ("2026-11-25T10:00:00+24:00", Err(MALFORMED)),
            ("2026-11-25T10:00:00Z ", Err(MALFORMED)),
            ("2026-11-25", Err(MALFORMED)),
            ("+026-11-25T10:00:00Z", Err(MALFORMED)),
            ("2026-11-2５T10:00:00Z", Err(MALFORMED)),
            ("", Err(MALFORMED)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_rfc3339(text), *expected, "{text}");
        }
    }

    #[test]
    fn formats_and_round_trips() {
        #[rustfmt::skip]
        let cases = [
            (0, "1970-01-01T00:00:00Z"),
            (1_795_600_800_000, "2026-11-25T10:00:00Z"),
            (1_795_600_800_007, "2026-11-25T10:00:00.007Z"),
            (1_709_164_800_000, "2024-02-29T00:00:00Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        ];
        for (millis, text) in cases {
            assert_eq!(format_rfc3339(millis), text);
            assert_eq!(parse_rfc3339(text), Ok(millis));
        }
        // Out-of-range input must still format, not panic.
        assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59.999Z");
        assert!(!format_rfc3339(i64::MAX).is_empty());
        assert!(!format_rfc3339(i64::MIN).is_empty());
    }
}
