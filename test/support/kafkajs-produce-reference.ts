/**
 * How kafkajs 2.2.4 encodes a Produce v3 request, written out from its unpatched
 * `protocol/requests/produce/v3/request.js` on top of its own Record v0, RecordBatch v0 and
 * Encoder (which the patch in patches/ leaves untouched): the reference the patched fast path
 * must equal byte for byte.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's internals have no types */
import type { PartitionMetadata } from 'kafkajs';

export interface KafkaEncoder {
  readonly buffer: Buffer;
  size(): number;
  writeString(value: string | null): KafkaEncoder;
  writeInt16(value: number): KafkaEncoder;
  writeInt32(value: number): KafkaEncoder;
  writeArray(values: readonly KafkaEncoder[]): KafkaEncoder;
  writeEncoder(value: KafkaEncoder): KafkaEncoder;
}

/** a kafkajs Long (utils/long) */
export type KafkaLong = object;

export interface ProducedMessage {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  timestamp?: string;
  headers?: Record<string, Buffer | string>;
}

export interface PartitionData {
  partition: number;
  firstSequence: number;
  messages: ProducedMessage[];
}

export interface ProduceRequestArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId: KafkaLong;
  producerEpoch: number;
  compression?: number;
  topicData: { topic: string; partitions: PartitionData[] }[];
}

const Encoder = require('kafkajs/src/protocol/encoder') as new () => KafkaEncoder;
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (
  record: ProducedMessage & { offsetDelta: number; timestampDelta: number },
) => KafkaEncoder;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (args: Record<string, unknown>) => Promise<KafkaEncoder>;
};
export const KafkaLong = require('kafkajs/src/utils/long') as {
  fromValue(value: number | string): KafkaLong;
};

async function referencePartition(
  data: PartitionData,
  args: ProduceRequestArgs,
  dateNow: number,
): Promise<KafkaEncoder> {
  const timestamps = data.messages
    .map((m) => m.timestamp)
    .filter((t) => t != null)
    .sort();
  const firstTimestamp = timestamps.length === 0 ? dateNow : timestamps[0];
  const maxTimestamp = timestamps.length === 0 ? dateNow : timestamps[timestamps.length - 1];
  const records = data.messages.map((message, i) =>
    Record({
      ...message,
      offsetDelta: i,
      timestampDelta: Number(message.timestamp || dateNow) - Number(firstTimestamp),
    }),
  );
  const recordBatch = await RecordBatch({
    compression: args.compression ?? 0,
    records,
    firstTimestamp,
    maxTimestamp,
    producerId: args.producerId,
    producerEpoch: args.producerEpoch,
    firstSequence: data.firstSequence,
    transactional: !!args.transactionalId,
    lastOffsetDelta: records.length - 1,
  });
  return new Encoder()
    .writeInt32(data.partition)
    .writeInt32(recordBatch.size())
    .writeEncoder(recordBatch);
}

/** the request's bytes as unpatched kafkajs writes them, with Date.now() fixed at dateNow */
export async function referenceProduceRequest(
  args: ProduceRequestArgs,
  dateNow: number,
): Promise<Buffer> {
  const topics: KafkaEncoder[] = [];
  for (const { topic, partitions } of args.topicData) {
    const encoded: KafkaEncoder[] = [];
    for (const data of partitions) encoded.push(await referencePartition(data, args, dateNow));
    topics.push(new Encoder().writeString(topic).writeArray(encoded));
  }
  return new Encoder()
    .writeString(args.transactionalId ?? null)
    .writeInt16(args.acks)
    .writeInt32(args.timeout)
    .writeArray(topics).buffer;
}

/** the patched request module as the producer uses it */
export const patchedProduceRequest =
  require('kafkajs/src/protocol/requests/produce/v3/request') as (args: ProduceRequestArgs) => {
    encode(): Promise<KafkaEncoder>;
  };

/** the patched grouping of a send's messages by partition */
export const groupMessagesPerPartition =
  require('kafkajs/src/producer/groupMessagesPerPartition') as (args: {
    topic: string;
    partitionMetadata: PartitionMetadata[];
    messages: ProducedMessage[];
    partitioner: (args: { message: ProducedMessage }) => number;
  }) => Record<string, ProducedMessage[]>;
