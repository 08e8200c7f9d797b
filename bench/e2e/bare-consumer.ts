/**
 * The ceiling: a kafkajs consumer that does nothing with what it fetches (eachBatch, no decoding,
 * no commits), on the same topics with the service's fetch settings. It only keeps each record's
 * Kafka timestamp, by offset, for the freshness figure — a typed-array store per record.
 */
import type { Kafka } from 'kafkajs';

/** `topic/partition` → the high watermark (next offset) when the topics were complete */
export type Ends = ReadonlyMap<string, bigint>;

export async function topicEnds(kafka: Kafka, topics: readonly string[]): Promise<Ends> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = new Map<string, bigint>();
    for (const topic of topics)
      for (const p of await admin.fetchTopicOffsets(topic))
        ends.set(`${topic}/${p.partition}`, BigInt(p.high));
    return ends;
  } finally {
    await admin.disconnect();
  }
}

export interface BareConsumption {
  readonly records: number;
  /** connect → last record, group join included */
  readonly seconds: number;
  /** first fetched batch → last record */
  readonly steadySeconds: number;
  readonly cpuSeconds: number;
  /** `topic/partition` → Kafka timestamp (ms) of each record, indexed by offset */
  readonly timestamps: ReadonlyMap<string, Float64Array>;
}

export async function bareConsume(
  kafka: Kafka,
  groupId: string,
  ends: Ends,
  timeoutMs: number,
): Promise<BareConsumption> {
  const topics = [...new Set([...ends.keys()].map((tp) => tp.slice(0, tp.lastIndexOf('/'))))];
  const timestamps = new Map<string, Float64Array>();
  const remaining = new Set<string>();
  for (const [tp, end] of ends) {
    timestamps.set(tp, new Float64Array(Number(end)));
    if (end > 0n) remaining.add(tp);
  }
  // the service's fetch settings (kafka-event-source.ts): a one-second fetch wait, kafkajs defaults
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 1000 });
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let firstBatch: number | undefined;
  let finished = 0;
  let records = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`bare consumer: topic ends not reached in ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            firstBatch ??= performance.now();
            const tp = `${batch.topic}/${batch.partition}`;
            const stamps = timestamps.get(tp);
            for (const m of batch.messages) {
              const offset = Number(m.offset);
              if (stamps && offset < stamps.length) {
                if (stamps[offset] === 0) records++;
                stamps[offset] = Number(m.timestamp);
              }
            }
            const end = ends.get(tp) ?? 0n;
            if (remaining.has(tp) && BigInt(batch.lastOffset()) + 1n >= end) {
              remaining.delete(tp);
              if (remaining.size === 0) {
                finished = performance.now();
                clearTimeout(timer);
                resolve();
              }
            }
          },
        })
        .catch(reject);
      if (remaining.size === 0) {
        finished = performance.now();
        clearTimeout(timer);
        resolve();
      }
    });
  } finally {
    await consumer.disconnect();
  }
  const cpu = process.cpuUsage(cpuBefore);
  return {
    records,
    seconds: (finished - started) / 1000,
    steadySeconds: (finished - (firstBatch ?? started)) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    timestamps,
  };
}
