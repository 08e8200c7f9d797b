/**
 * Live traffic for the monitoring test: the simulator's records (all three formats, with its
 * duplicates and its 0.5% malformed) at a steady rate with event times of now, and on demand a
 * burst of garbage on one topic, until stopped.
 */
import type { Kafka } from 'kafkajs';
import {
  SourceTopicProducer,
  sourceProducer,
  type EncodedSourceRecord,
} from '../../adapters/kafka/source-producer';
import type { Topics } from '../../src/config/config';
import { createSimulator } from '../../src/simulator/simulator';

export interface TrafficPump {
  /** every tick also sends this many undecodable records to the impressions topic */
  garbagePerTick: number;
  readonly sent: () => number;
  stop(): Promise<void>;
}

const TICK_MS = 200;

export async function startTrafficPump(
  kafka: Kafka,
  topics: Topics,
  options: { rate: number; partitions: number; bidRequestSchemaIds: { v1: number; v2: number } },
): Promise<TrafficPump> {
  const producer = sourceProducer(kafka);
  await producer.connect();
  const sinks = {
    impressions: new SourceTopicProducer(producer, topics.impressions),
    clicks: new SourceTopicProducer(producer, topics.clicks),
    bid_requests: new SourceTopicProducer(producer, topics.bidRequests),
  };
  const simulator = createSimulator({
    seed: 13,
    startTime: Date.now(),
    eventTimeStepMs: 1000 / options.rate,
    partitions: options.partitions,
    bidRequestSchemaIds: options.bidRequestSchemaIds,
    users: 5000,
  });
  let sent = 0;
  let stopped = false;
  const pump: TrafficPump = {
    garbagePerTick: 0,
    sent: () => sent,
    stop: async () => {
      stopped = true;
      await loop;
      await producer.disconnect();
    },
  };
  const started = Date.now();
  const loop = (async () => {
    while (!stopped) {
      // paced by the wall clock, so a slow send does not lower the rate
      const due = Math.floor(((Date.now() - started) / 1000) * options.rate) - sent;
      const byTopic = new Map<keyof typeof sinks, EncodedSourceRecord[]>();
      for (const r of simulator.take(Math.max(0, due))) {
        const list = byTopic.get(r.topic) ?? byTopic.set(r.topic, []).get(r.topic);
        list?.push({ key: r.key, value: r.value, ...(r.headers ? { headers: r.headers } : {}) });
      }
      for (let i = 0; i < pump.garbagePerTick; i++) {
        const list =
          byTopic.get('impressions') ?? byTopic.set('impressions', []).get('impressions');
        list?.push({
          key: `garbage-${sent}-${i}`,
          value: Buffer.from(`{"impression_id": ${i}, broken`),
        });
      }
      for (const [topic, records] of byTopic) await sinks[topic].send(records);
      sent += Math.max(0, due);
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
  })();
  return pump;
}
