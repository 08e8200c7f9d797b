/**
 * The other half of kafkajs's share: the service publishes every accepted event to ad_events, so
 * the same messages (read back from the run's ad_events topic) are produced again to a scratch
 * topic by the publisher's own producer (BoundedProducer: its settings, and its cut of a send below
 * the broker's message.max.bytes, without which a batch of 10,000 is refused), in sends of the
 * service's batch size, doing nothing else. Its CPU per record is what publishing alone costs the
 * service's process.
 * At most REPLAYED messages are replayed: enough for the figure, and a 5M run's would not fit the
 * bench's heap.
 */
import type { Kafka, Message } from 'kafkajs';
import { BoundedProducer } from '../../adapters/kafka/bounded-producer';
import { ensureTopics } from '../../adapters/kafka/kafka-topics';
import { topicEnds, type Ends } from './bare-consumer';

const REPLAYED = 1_000_000;

export interface BareProduction {
  readonly records: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
}

/** a topic's messages from the beginning, up to its end when called or `limit` of them */
async function readTopic(
  kafka: Kafka,
  topic: string,
  ends: Ends,
  groupId: string,
  limit: number,
): Promise<Message[]> {
  const remaining = new Set([...ends].filter(([, end]) => end > 0n).map(([tp]) => tp));
  const messages: Message[] = [];
  if (remaining.size === 0) return messages;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 1000 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) messages.push({ key: m.key, value: m.value });
            const tp = `${batch.topic}/${batch.partition}`;
            if (BigInt(batch.lastOffset()) + 1n >= (ends.get(tp) ?? 0n)) remaining.delete(tp);
            if (remaining.size === 0 || messages.length >= limit) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

export async function bareProduce(
  kafka: Kafka,
  from: string,
  to: string,
  groupId: string,
  messagesPerSend: number,
): Promise<BareProduction> {
  const ends = await topicEnds(kafka, [from]);
  const messages = (await readTopic(kafka, from, ends, groupId, REPLAYED)).slice(0, REPLAYED);
  await ensureTopics(kafka, [{ topic: to, partitions: ends.size }]);
  const producer = new BoundedProducer(kafka);
  try {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < messages.length; i += messagesPerSend)
      await producer.send(to, messages.slice(i, i + messagesPerSend));
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    return { records: messages.length, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  } finally {
    await producer.close();
  }
}
