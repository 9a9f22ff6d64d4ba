//! `[engine]`: how the replication engine copies.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use toml::de::DeValue;

use super::error::{quoted, PlanError};
use super::reader::{Located, Section};
use super::time::{format_rfc3339, parse_rfc3339};

pub(super) const ENGINE_KEYS: &[&str] = &[
    "lanes",
    "mode",
    "start",
    "provenance",
    "refresh_interval",
    "on_out_of_range",
    "commit_interval",
    "max_batch_records",
];

pub const MAX_LANES: usize = 256;
pub const MAX_BATCH_RECORDS: usize = 1_000_000;
/// Discovery more often than this only loads the brokers' metadata path.
pub const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(1);
/// Far-future deadlines overflow `Instant` arithmetic; a day is already longer than any migration step.
pub const MAX_REFRESH_INTERVAL: Duration = Duration::from_secs(24 * 3600);
/// Must stay below the producer's `transaction.timeout.ms` (60 s by default), or open
/// transactions are aborted by the broker.
pub const MAX_COMMIT_INTERVAL: Duration = Duration::from_secs(30);

/// A value outside a setting's vocabulary; `expected` lists the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected}, found {}", quoted(found))]
pub struct InvalidSetting {
    pub expected: &'static str,
    pub found: String,
}

/// The delivery guarantee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Records and source offsets are committed in one destination transaction.
    #[default]
    ExactlyOnce,
    /// No transactions: faster, and a restart may copy some records twice.
    AtLeastOnce,
}

/// Where a partition that has no committed offset starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartPolicy {
    #[default]
    Earliest,
    Latest,
    /// The first offset whose record timestamp is at or after this many ms since the epoch.
    Timestamp(i64),
}

/// What a lane does when its committed source offset no longer exists (retention deleted it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutOfRangePolicy {
    /// Stop the lane: the gap means records were lost before they were copied.
    #[default]
    Fail,
    /// Accept the gap and continue from the earliest offset still on the source.
    SkipToEarliest,
}

const MODE_NAMES: &str = "exactly-once or at-least-once";
const START_NAMES: &str = "earliest, latest or an RFC 3339 timestamp like 2026-11-25T10:00:00Z";
const OUT_OF_RANGE_NAMES: &str = "fail or skip-to-earliest";

impl FromStr for Mode {
    type Err = InvalidSetting;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "exactly-once" => Ok(Self::ExactlyOnce),
            "at-least-once" => Ok(Self::AtLeastOnce),
            _ => Err(InvalidSetting { expected: MODE_NAMES, found: text.to_string() }),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ExactlyOnce => "exactly-once",
            Self::AtLeastOnce => "at-least-once",
        })
    }
}

impl FromStr for StartPolicy {
    type Err = InvalidSetting;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "earliest" => Ok(Self::Earliest),
            "latest" => Ok(Self::Latest),
            // Only text shaped like a date gets the detailed timestamp complaint.
            _ if text.starts_with(|c: char| c.is_ascii_digit()) => parse_rfc3339(text)
                .map(Self::Timestamp)
                .map_err(|expected| InvalidSetting { expected, found: text.to_string() }),
            _ => Err(InvalidSetting { expected: START_NAMES, found: text.to_string() }),
        }
    }
}

impl fmt::Display for StartPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Earliest => f.write_str("earliest"),
            Self::Latest => f.write_str("latest"),
            Self::Timestamp(millis) => f.write_str(&format_rfc3339(*millis)),
        }
    }
}

impl FromStr for OutOfRangePolicy {
    type Err = InvalidSetting;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "fail" => Ok(Self::Fail),
            "skip-to-earliest" => Ok(Self::SkipToEarliest),
            _ => Err(InvalidSetting { expected: OUT_OF_RANGE_NAMES, found: text.to_string() }),
        }
    }
}

impl fmt::Display for OutOfRangePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Fail => "fail",
            Self::SkipToEarliest => "skip-to-earliest",
        })
    }
}

/// `[engine]`, with every default filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineSettings {
    /// Parallel copy lanes, each with its own consumer and transactional producer.
    pub lanes: usize,
    pub mode: Mode,
    pub start: StartPolicy,
    /// Whether copied records get headers naming their source cluster, topic, partition and offset.
    pub provenance: bool,
    /// How often the source is asked for new topics and partitions.
    pub refresh_interval: Duration,
    pub on_out_of_range: OutOfRangePolicy,
    /// The longest a transaction stays open (exactly-once) or offsets stay uncommitted.
    pub commit_interval: Duration,
    /// The most records in one transaction.
    pub max_batch_records: usize,
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            lanes: 1,
            mode: Mode::ExactlyOnce,
            start: StartPolicy::Earliest,
            provenance: true,
            refresh_interval: Duration::from_secs(30),
            on_out_of_range: OutOfRangePolicy::Fail,
            commit_interval: Duration::from_millis(200),
            max_batch_records: 50_000,
        }
    }
}

pub(super) fn read_engine(section: &Section<'_>) -> Result<EngineSettings, PlanError> {
    section.reject_unknown_keys(ENGINE_KEYS)?;
    let defaults = EngineSettings::default();
    let lanes = section.integer("lanes", 1..=MAX_LANES as i64, "an integer from 1 to 256")?;
    let batch = section.integer("max_batch_records", 1..=MAX_BATCH_RECORDS as i64, "an integer from 1 to 1000000")?;
    let refresh = (MIN_REFRESH_INTERVAL, MAX_REFRESH_INTERVAL, "a duration from 1s to 24h, like \"30s\"");
    let commit = (Duration::from_millis(1), MAX_COMMIT_INTERVAL, "a duration from 1ms to 30s, like \"200ms\"");
    Ok(EngineSettings {
        lanes: lanes.map_or(defaults.lanes, |lanes| lanes.value),
        mode: keyword(section, "mode")?.unwrap_or(defaults.mode),
        start: read_start(section)?.unwrap_or(defaults.start),
        provenance: section.boolean("provenance")?.unwrap_or(defaults.provenance),
        refresh_interval: duration(section, "refresh_interval", refresh)?.unwrap_or(defaults.refresh_interval),
        on_out_of_range: keyword(section, "on_out_of_range")?.unwrap_or(defaults.on_out_of_range),
        commit_interval: duration(section, "commit_interval", commit)?.unwrap_or(defaults.commit_interval),
        max_batch_records: batch.map_or(defaults.max_batch_records, |batch| batch.value),
    })
}

fn keyword<T: FromStr<Err = InvalidSetting>>(section: &Section<'_>, key: &str) -> Result<Option<T>, PlanError> {
    let Some(text) = section.string(key)? else { return Ok(None) };
    text.value.parse().map(Some).map_err(|error: InvalidSetting| section.invalid_string(key, text, error.expected))
}

/// A string, or a bare TOML offset date-time (`start = 2026-11-25T10:00:00Z`), which
/// TOML users write without quotes as often as with them.
fn read_start(section: &Section<'_>) -> Result<Option<StartPolicy>, PlanError> {
    let Some(value) = section.value("start") else { return Ok(None) };
    if let DeValue::Datetime(datetime) = value.get_ref() {
        let text = datetime.to_string();
        let line = section.plan().line_of(value);
        return parse_rfc3339(&text)
            .map(|millis| Some(StartPolicy::Timestamp(millis)))
            .map_err(|expected| section.invalid("start", line, text, expected));
    }
    keyword(section, "start")
}

/// `(min, max, expected)`: the accepted range and how to describe it.
type DurationRange = (Duration, Duration, &'static str);

fn duration(section: &Section<'_>, key: &str, range: DurationRange) -> Result<Option<Duration>, PlanError> {
    let (min, max, expected) = range;
    let Some(value) = section.value(key) else { return Ok(None) };
    // A bare number has no unit, and guessing one (ms? s?) is how intervals go wrong.
    let Some(text) = value.get_ref().as_str() else { return Err(section.wrong_type(key, value, expected)) };
    let text = Located { value: text, line: section.plan().line_of(value) };
    humantime::parse_duration(text.value)
        .ok()
        .filter(|duration| (min..=max).contains(duration))
        .map(Some)
        .ok_or_else(|| section.invalid_string(key, text, expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_round_trip_through_display() {
        for mode in [Mode::ExactlyOnce, Mode::AtLeastOnce] {
            assert_eq!(mode.to_string().parse(), Ok(mode));
        }
        for policy in [OutOfRangePolicy::Fail, OutOfRangePolicy::SkipToEarliest] {
            assert_eq!(policy.to_string().parse(), Ok(policy));
        }
        for start in [StartPolicy::Earliest, StartPolicy::Latest, StartPolicy::Timestamp(1_795_600_800_250)] {
            assert_eq!(start.to_string().parse(), Ok(start));
        }
    }

    #[test]
    fn unknown_keywords_list_the_vocabulary() {
        #[rustfmt::skip]
        let cases = [
            ("exactly_once".parse::<Mode>().unwrap_err(), "expected exactly-once or at-least-once, found \"exactly_once\""),
            ("Earliest".parse::<StartPolicy>().unwrap_err(), "expected earliest, latest or an RFC 3339 timestamp like 2026-11-25T10:00:00Z, found \"Earliest\""),
            ("1969-12-31T23:00:00Z".parse::<StartPolicy>().unwrap_err(), "expected a timestamp from 1970-01-01T00:00:00Z on, found \"1969-12-31T23:00:00Z\""),
            ("skip".parse::<OutOfRangePolicy>().unwrap_err(), "expected fail or skip-to-earliest, found \"skip\""),
        ];
        for (error, expected) in cases {
            assert_eq!(error.to_string(), expected);
        }
    }
}
