/**
 * Test-side Kafka I/O: read a topic from its beginning to the end offsets it has now, send raw
 * records, create and drop the topics of one test run.
 */
import { randomBytes } from 'node:crypto';
import type { IHeaders, Kafka, Message, RecordMetadata } from 'kafkajs';

export interface ReadRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
  readonly timestamp: string;
}

function headerText(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name] = (Array.isArray(value) ? value : [value]).map((v) => v.toString()).join(',');
  }
  return out;
}

/**
 * Every record in the topic up to the end offsets at the time of the call, in offset order per
 * partition. Uses a throwaway consumer group (kafkajs has no manual assignment) and deletes it.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  timeoutMs = 60_000,
): Promise<ReadRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `adx-test-reader-${randomBytes(4).toString('hex')}`;
  try {
    const ends = new Map<number, bigint>();
    for (const p of await admin.fetchTopicOffsets(topic)) {
      if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high) - 1n);
    }
    if (ends.size === 0) return [];
    const records: ReadRecord[] = [];
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const done = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`reading ${topic}: end offsets not reached in ${timeoutMs} ms`)),
          timeoutMs,
        );
        void consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              records.push({
                topic,
                partition: batch.partition,
                offset: m.offset,
                key: m.key,
                value: m.value,
                headers: headerText(m.headers),
                timestamp: m.timestamp,
              });
            }
            const last = batch.messages[batch.messages.length - 1]?.offset;
            const end = ends.get(batch.partition);
            if (last !== undefined && end !== undefined && BigInt(last) >= end) {
              ends.delete(batch.partition);
            }
            if (ends.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
      await done;
    } finally {
      await consumer.disconnect();
    }
    await admin.deleteGroups([groupId]).catch(() => undefined);
    return records;
  } finally {
    await admin.disconnect();
  }
}

/** Sends the messages one call each, so every one gets its own coordinates back. */
export async function sendEach(
  kafka: Kafka,
  topic: string,
  messages: readonly Message[],
): Promise<{ partition: number; offset: string }[]> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const at: { partition: number; offset: string }[] = [];
    for (const message of messages) {
      const [meta] = (await producer.send({ topic, acks: -1, messages: [message] })) as [
        RecordMetadata,
      ];
      at.push({ partition: meta.partition, offset: meta.baseOffset ?? '-1' });
    }
    return at;
  } finally {
    await producer.disconnect();
  }
}

/**
 * Drops every topic and consumer group whose name starts with the prefix (one test run's), best
 * effort: cleanup must not fail a test, and a leftover is clutter on a scratch broker, no more.
 */
export async function dropRun(kafka: Kafka, prefix: string): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
    const { groups } = await admin.listGroups();
    const ids = groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix));
    if (ids.length > 0) await admin.deleteGroups(ids);
  } catch {
    // see above
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
