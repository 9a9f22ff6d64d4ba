//! Watermarks and offsets-for-times.

use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};

use crate::error::Failure;

use super::client::KafkaFailure;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watermarks {
    pub low: i64,
    pub high: i64,
}

pub fn watermarks(
    consumer: &BaseConsumer,
    topic: &str,
    partition: i32,
    timeout: Duration,
) -> Result<Watermarks, Failure> {
    consumer
        .fetch_watermarks(topic, partition, timeout)
        .map(|(low, high)| Watermarks { low, high })
        .map_err(|err| KafkaFailure::runtime(&format!("cannot read watermarks of {topic} [{partition}]"), &err))
}

/// For each (partition, timestamp ms): the earliest offset whose timestamp is at
/// or after it. `None` means no such record (librdkafka's OFFSET_END).
pub fn offsets_for_times(
    consumer: &BaseConsumer,
    topic: &str,
    queries: &[(i32, i64)],
    timeout: Duration,
) -> Result<Vec<(i32, Option<i64>)>, Failure> {
    let queries: Vec<(i32, Offset)> = queries.iter().map(|&(p, ts)| (p, Offset::Offset(ts))).collect();
    list_offsets(consumer, topic, &queries, timeout)
}

/// ListOffsets: per partition, a timestamp (`Offset::Offset`), `Offset::Beginning` or `Offset::End`.
fn list_offsets(
    consumer: &BaseConsumer,
    topic: &str,
    queries: &[(i32, Offset)],
    timeout: Duration,
) -> Result<Vec<(i32, Option<i64>)>, Failure> {
    let mut list = TopicPartitionList::with_capacity(queries.len());
    for &(partition, query) in queries {
        list.add_partition_offset(topic, partition, query)
            .map_err(|err| KafkaFailure::runtime("building an offset query", &err))?;
    }
    let answer = consumer
        .offsets_for_times(list, timeout)
        .map_err(|err| KafkaFailure::runtime(&format!("cannot look up offsets of {topic}"), &err))?;
    let mut found = Vec::with_capacity(queries.len());
    for elem in answer.elements() {
        if let Err(err) = elem.error() {
            return Err(KafkaFailure::runtime(
                &format!("cannot look up offsets of {topic} [{}]", elem.partition()),
                &err,
            ));
        }
        let offset = match elem.offset() {
            Offset::Offset(o) => Some(o),
            _ => None,
        };
        found.push((elem.partition(), offset));
    }
    Ok(found)
}

/// Each partition's log-start (`Offset::Beginning`) or log-end (`Offset::End`)
/// offset from ListOffsets, one request per leader, as the broker reports it
/// outside a fetch.
pub fn log_boundaries(
    consumer: &BaseConsumer,
    topic: &str,
    partitions: &[i32],
    boundary: Offset,
    timeout: Duration,
) -> Result<Vec<(i32, Option<i64>)>, Failure> {
    let queries: Vec<(i32, Offset)> = partitions.iter().map(|&p| (p, boundary)).collect();
    list_offsets(consumer, topic, &queries, timeout)
}

/// ListOffsets for partitions of many topics at once: `boundary` is
/// `Offset::Beginning` or `Offset::End`. Answers come in the order asked;
/// a partition the broker answered with an error fails the whole lookup.
pub fn list_offsets_of(
    consumer: &BaseConsumer,
    partitions: &[(&str, i32)],
    boundary: Offset,
    timeout: Duration,
) -> Result<Vec<Option<i64>>, Failure> {
    let mut answers = Vec::with_capacity(partitions.len());
    for chunk in partitions.chunks(LIST_OFFSETS_CHUNK) {
        answers.extend(list_offsets_chunk(consumer, chunk, boundary, timeout)?);
    }
    Ok(answers)
}

/// librdkafka matches each ListOffsets answer to its query with a linear
/// search of the query list (`rd_kafka_topic_partition_list_find`), so one
/// query of n partitions costs n² name comparisons: at 3,000 partitions that
/// was most of an idle cockpit's CPU (perf, docs/BENCHMARKS.md). Chunks keep
/// it linear in n for a few more round trips.
const LIST_OFFSETS_CHUNK: usize = 250;

fn list_offsets_chunk(
    consumer: &BaseConsumer,
    partitions: &[(&str, i32)],
    boundary: Offset,
    timeout: Duration,
) -> Result<Vec<Option<i64>>, Failure> {
    if partitions.is_empty() {
        return Ok(Vec::new());
    }
    let mut list = TopicPartitionList::with_capacity(partitions.len());
    for &(topic, partition) in partitions {
        list.add_partition_offset(topic, partition, boundary)
            .map_err(|err| KafkaFailure::runtime("building an offset query", &err))?;
    }
    let answer = consumer.offsets_for_times(list, timeout).map_err(|err| {
        KafkaFailure::runtime(&format!("cannot look up offsets of {} partitions", partitions.len()), &err)
    })?;
    // A map, not find_partition: that is a linear search per partition.
    let mut answered: std::collections::HashMap<(String, i32), Option<i64>> =
        std::collections::HashMap::with_capacity(partitions.len());
    for elem in answer.elements() {
        if let Err(err) = elem.error() {
            let what = format!("cannot look up offsets of {} [{}]", elem.topic(), elem.partition());
            return Err(KafkaFailure::runtime(&what, &err));
        }
        let offset = match elem.offset() {
            Offset::Offset(o) => Some(o),
            _ => None,
        };
        answered.insert((elem.topic().to_string(), elem.partition()), offset);
    }
    partitions
        .iter()
        .map(|&(topic, partition)| {
            answered
                .get(&(topic.to_string(), partition))
                .copied()
                .ok_or_else(|| Failure::runtime(format!("no offsets answered for {topic} [{partition}]")))
        })
        .collect()
}
