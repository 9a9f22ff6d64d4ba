//! `kdeck offsets`: kcat -Q, plus watermarks when no timestamp is given.

use std::fmt::Write;
use std::time::Duration;

use serde::Serialize;

use crate::config::ResolvedCluster;
use crate::error::Failure;
use crate::kafka::metadata::topic_partitions;
use crate::kafka::reader::PartitionReader;

use super::query_spec::TopicQuery;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum OffsetAnswer {
    /// kcat -Q: the first offset at or after the timestamp (-1: none).
    ForTime {
        topic: String,
        partition: i32,
        timestamp: i64,
        offset: i64,
    },
    Watermarks {
        topic: String,
        partition: i32,
        low: i64,
        high: i64,
    },
}

/// kcat's `-t T:P:-1`: the log-end offset.
const LATEST: i64 = -1;
/// kcat's `-t T:P:-2`: the log-start offset.
const EARLIEST: i64 = -2;

pub fn query(
    cluster: &ResolvedCluster,
    queries: &[TopicQuery],
    timeout: Duration,
) -> Result<Vec<OffsetAnswer>, Failure> {
    let reader = PartitionReader::connect(cluster, timeout, false)?;
    let mut answers = Vec::new();
    for q in queries {
        let metadata = reader.metadata(Some(&q.topic))?;
        let existing = topic_partitions(&metadata, &cluster.name, &q.topic)?;
        let partitions = match q.partition {
            Some(p) if existing.contains(&p) => vec![p],
            Some(p) => {
                return Err(Failure::runtime(format!(
                    "topic {:?} on {} has no partition {p} (it has {})",
                    q.topic,
                    cluster.name,
                    existing.len()
                )))
            }
            None => existing,
        };
        match q.timestamp {
            Some(ts) => {
                // kcat passes -1 and -2 through to ListOffsets as latest and earliest;
                // librdkafka's offsets_for_times refuses them as timestamps.
                let found = match ts {
                    LATEST => reader.latest_offsets(&q.topic, &partitions)?,
                    EARLIEST => reader.earliest_offsets(&q.topic, &partitions)?,
                    _ => {
                        let lookups: Vec<(i32, i64)> = partitions.iter().map(|&p| (p, ts)).collect();
                        reader.offsets_for_times(&q.topic, &lookups)?
                    }
                };
                for (partition, offset) in found {
                    answers.push(OffsetAnswer::ForTime {
                        topic: q.topic.clone(),
                        partition,
                        timestamp: ts,
                        offset: offset.unwrap_or(-1),
                    });
                }
            }
            None => {
                for partition in partitions {
                    let marks = reader.watermarks(&q.topic, partition)?;
                    answers.push(OffsetAnswer::Watermarks {
                        topic: q.topic.clone(),
                        partition,
                        low: marks.low,
                        high: marks.high,
                    });
                }
            }
        }
    }
    Ok(answers)
}

/// kcat -Q prints `topic [partition] offset N`; watermarks follow the same shape.
pub fn render_text(answers: &[OffsetAnswer]) -> String {
    let mut out = String::new();
    for answer in answers {
        let _ = match answer {
            OffsetAnswer::ForTime { topic, partition, offset, .. } => {
                writeln!(out, "{topic} [{partition}] offset {offset}")
            }
            OffsetAnswer::Watermarks { topic, partition, low, high } => {
                writeln!(out, "{topic} [{partition}] low {low} high {high}")
            }
        };
    }
    out
}

/// One JSON array of the answers.
pub fn render_json(answers: &[OffsetAnswer]) -> String {
    let mut text = serde_json::to_string(answers).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_follows_kcat_query_layout() {
        let answers = vec![
            OffsetAnswer::ForTime { topic: "orders".into(), partition: 0, timestamp: 5, offset: 12 },
            OffsetAnswer::Watermarks { topic: "orders".into(), partition: 1, low: 3, high: 9 },
        ];
        assert_eq!(render_text(&answers), "orders [0] offset 12\norders [1] low 3 high 9\n");
        assert_eq!(
            render_json(&answers),
            "[{\"topic\":\"orders\",\"partition\":0,\"timestamp\":5,\"offset\":12},{\"topic\":\"orders\",\"partition\":1,\"low\":3,\"high\":9}]\n"
        );
    }
}
