/**
 * Hostile input through the real profile: N garbage records produced raw with kafkajs (no project
 * producer involved) give exactly N dead letters, each with its reason, and the service keeps
 * running and goes on accepting valid records.
 */
import type { Message } from 'kafkajs';
import type { RejectionReason } from '../../domain';
import type { DeadLetterEnvelope } from '../../adapters/dead-letter/envelope';
import { ensureTopics } from '../../adapters/kafka/kafka-topics';
import { ConfluentSchemaRegistry } from '../../adapters/schema-registry/confluent-schema-registry';
import { sourceTopicSpecs } from '../../src/cli/topic-specs';
import { registerContracts } from '../../src/contracts/register-contracts';
import { createSimulator, type SimulatedRecord } from '../../src/simulator/simulator';
import { adEventDecoder } from '../support/ad-event-avro';
import { dropRun, readTopic, sendEach } from '../support/kafka-topics-io';
import { requireStack, testKafka, uniqueRunName, waitFor } from '../support/stack';
import {
  realConfig,
  startService,
  waitUntilReceived,
  type RunningService,
} from './support/real-service';

const prefix = `${uniqueRunName('it-garbage')}.`;
const config = realConfig(prefix);
const kafka = testKafka();
const registry = new ConfluentSchemaRegistry({ url: config.registry?.url ?? '' });

interface Garbage {
  readonly what: string;
  readonly topic: 'impressions' | 'clicks' | 'bidRequests';
  readonly message: Message;
  readonly reason: RejectionReason;
}

/** valid records of each source, from the simulator with nothing malformed or duplicated */
function validRecords(ids: { v1: number; v2: number }): Map<string, SimulatedRecord> {
  const simulator = createSimulator({
    seed: 99,
    startTime: Date.now() - 60_000,
    bidRequestSchemaIds: ids,
    malformedRate: 0,
    duplicateRate: 0,
    lateRate: 0,
  });
  const first = new Map<string, SimulatedRecord>();
  while (first.size < 2) {
    const r = simulator.next();
    if (r.topic !== 'clicks' && !first.has(r.topic)) first.set(r.topic, r);
  }
  return first;
}

function garbage(impression: Buffer, bidRequest: Buffer): Garbage[] {
  const doc = JSON.parse(impression.toString('utf8')) as Record<string, unknown>;
  const { user_id: _dropped, ...withoutUser } = doc;
  const header = (magic: number, id: number) => {
    const b = Buffer.alloc(5);
    b.writeUInt8(magic, 0);
    b.writeInt32BE(id, 1);
    return b;
  };
  const body = bidRequest.subarray(5);
  const g = (
    what: string,
    topic: Garbage['topic'],
    value: Buffer | string | null,
    reason: RejectionReason,
  ): Garbage => ({ what, topic, message: { key: `garbage-${what}`, value }, reason });
  return [
    g('malformed-json', 'impressions', '{"impression_id": "imp-1", "user_id": ', 'corrupt_payload'),
    g('not-utf8', 'impressions', Buffer.from([0xff, 0xfe, 0x00, 0x7b]), 'corrupt_payload'),
    g('missing-user', 'impressions', JSON.stringify(withoutUser), 'missing_field'),
    g(
      'price-type',
      'impressions',
      JSON.stringify({ ...doc, win_price_micros: 'abc' }),
      'invalid_type',
    ),
    g('null-value', 'impressions', null, 'corrupt_payload'),
    g('huge', 'impressions', JSON.stringify({ ...doc, pad: 'x'.repeat(200_000) }), 'too_large'),
    g('three-columns', 'clicks', 'click,clk-1,2026-01-01T00:00:00Z', 'corrupt_payload'),
    g(
      'twelve-columns',
      'clicks',
      Array.from({ length: 12 }, (_, i) => `c${i}`).join(','),
      'corrupt_payload',
    ),
    g(
      'avro-truncated',
      'bidRequests',
      bidRequest.subarray(0, 5 + Math.floor(body.length / 2)),
      'corrupt_payload',
    ),
    g(
      'avro-unknown-id',
      'bidRequests',
      Buffer.concat([header(0, 2_000_000_001), body]),
      'unknown_schema',
    ),
    g('avro-bad-magic', 'bidRequests', Buffer.concat([header(7, 1), body]), 'corrupt_payload'),
    g('avro-three-bytes', 'bidRequests', Buffer.from([0, 0, 1]), 'corrupt_payload'),
  ];
}

let running: RunningService;
let items: Garbage[];
let coordinates: { topic: string; partition: number; offset: string }[];
let valid: Map<string, SimulatedRecord>;

beforeAll(async () => {
  await requireStack();
  await ensureTopics(kafka, sourceTopicSpecs(config));
  const ids = await registerContracts(registry, config.topics);
  valid = validRecords(ids.bidRequest);
  items = garbage(
    valid.get('impressions')?.value as Buffer,
    valid.get('bid_requests')?.value as Buffer,
  );
  running = startService(config);
  coordinates = [];
  for (const item of items) {
    const topic = config.topics[item.topic];
    const [sent] = await sendEach(kafka, topic, [item.message]);
    coordinates.push({ topic, ...(sent as { partition: number; offset: string }) });
  }
  await waitUntilReceived([running], items.length, 60_000);
}, 120_000);

afterAll(async () => {
  await running?.stop().catch(() => undefined);
  await dropRun(kafka, prefix);
});

it('rejects every garbage record and accepts none', () => {
  const totals = running.service()?.totals;
  expect(totals).toMatchObject({ received: items.length, accepted: 0, duplicates: 0 });
  expect(totals?.rejected).toBe(items.length);
});

it('keeps running, and accepts valid records produced after the garbage', async () => {
  expect(running.service()?.status).toBe('running');
  for (const r of valid.values()) {
    const topic = r.topic === 'impressions' ? config.topics.impressions : config.topics.bidRequests;
    await sendEach(kafka, topic, [{ key: r.key, value: r.value }]);
  }
  await waitUntilReceived([running], items.length + valid.size, 60_000);
  await waitFor(
    'the valid records accepted',
    () => running.service()?.totals.accepted === 2,
    10_000,
  );
  expect(running.service()?.status).toBe('running');
  const result = await running.stop();
  expect(result.service.status).toBe('stopped');
  const decode = adEventDecoder(registry);
  const events = await Promise.all(
    (await readTopic(kafka, config.topics.adEvents)).map(
      async (r) => (await decode(r.value ?? Buffer.alloc(0))).event,
    ),
  );
  expect(events.map((e) => e.eventType).sort()).toEqual(['bid_request', 'impression']);
});

it('writes exactly N dead letters, each with its reason, coordinates and original bytes', async () => {
  const letters = (await readTopic(kafka, config.topics.deadLetter)).map(
    (r) => JSON.parse((r.value ?? Buffer.alloc(0)).toString('utf8')) as DeadLetterEnvelope,
  );
  expect(letters).toHaveLength(items.length);
  items.forEach((item, i) => {
    const at = coordinates[i];
    const letter = letters.find(
      (l) =>
        l.source.topic === at?.topic &&
        l.source.partition === at.partition &&
        l.source.offset === at.offset,
    );
    expect({ what: item.what, reason: letter?.reason }).toEqual({
      what: item.what,
      reason: item.reason,
    });
    const original =
      item.message.value === null || item.message.value === undefined
        ? Buffer.alloc(0)
        : Buffer.from(item.message.value);
    expect(Buffer.from(letter?.payload.base64 ?? '', 'base64').equals(original)).toBe(true);
    expect(letter?.key).toBe(`garbage-${item.what}`);
  });
});
