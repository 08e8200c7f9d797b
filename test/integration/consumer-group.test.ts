/**
 * Two instances in one consumer group split the partitions, co-partitioned (each owns partition p
 * of every source topic), and together process every record once.
 *
 * In this profile the state store is in memory: dedupe and attribution state lives in the
 * instance that owns a partition and is not handed over on a rebalance. So records are produced
 * only once the group is stable, with both members holding their assignment: a rebalance in the
 * middle of the stream would let the new owner accept a duplicate whose original the previous
 * owner saw. (A durable state store removes the restriction; this test is about the split.)
 */
import { isConserved, REJECTION_REASONS } from '../../domain';
import { ConfluentSchemaRegistry } from '../../adapters/schema-registry/confluent-schema-registry';
import { CO_PARTITIONED_ASSIGNER_NAME } from '../../adapters/kafka/co-partitioned-assigner';
import { produce } from '../../src/cli/produce';
import type { GroundTruth } from '../../src/simulator/simulator';
import { adEventDecoder } from '../support/ad-event-avro';
import { dropRun, readTopic } from '../support/kafka-topics-io';
import { requireStack, testKafka, uniqueRunName, waitFor } from '../support/stack';
import {
  countBy,
  describeGroup,
  EVENT_KEY,
  nonZero,
  realConfig,
  startService,
  waitUntilReceived,
  type GroupMember,
  type RunningService,
} from './support/real-service';

const COUNT = 20_000;
const prefix = `${uniqueRunName('it-group')}.`;
const config = realConfig(prefix, { ADX_SIM_USERS: '5000' });
const groupId = config.kafka?.groupId as string;
const kafka = testKafka();

let instances: RunningService[] = [];
let members: GroupMember[];
let truth: GroundTruth;

beforeAll(async () => {
  await requireStack();
  // the first instance creates the topics and registers the contracts; the second joins it
  instances = [startService(config)];
  await waitFor(
    'the first instance to join',
    async () => {
      const group = await describeGroup(kafka, groupId);
      return group.state === 'Stable' && group.members.length === 1;
    },
    60_000,
  );
  instances.push(startService(config));
  await waitFor(
    'a stable group of two members, each with an assignment',
    async () => {
      const group = await describeGroup(kafka, groupId);
      members = group.members;
      return (
        group.state === 'Stable' &&
        group.members.length === 2 &&
        group.members.every((m) => Object.keys(m.assignment).length > 0)
      );
    },
    60_000,
    () => JSON.stringify(members),
    250,
  );
  expect((await describeGroup(kafka, groupId)).protocol).toBe(CO_PARTITIONED_ASSIGNER_NAME);
  const produced = await produce(config, { count: COUNT, seed: 4242 });
  truth = produced.groundTruth as GroundTruth;
  await waitUntilReceived(instances, COUNT, 90_000);
}, 180_000);

afterAll(async () => {
  await Promise.all(instances.map((i) => i.stop().catch(() => undefined)));
  await dropRun(kafka, prefix);
});

it('co-partitions: each member owns the same partition numbers of every source topic', () => {
  const sourceTopics = [config.topics.impressions, config.topics.clicks, config.topics.bidRequests];
  const owned = members.map((m) => {
    const numbers = sourceTopics.map((t) => [...(m.assignment[t] ?? [])].sort().join(','));
    expect(new Set(numbers).size).toBe(1);
    return numbers[0]?.split(',').map(Number) ?? [];
  });
  expect(owned.flat().sort()).toEqual([0, 1, 2]);
});

it('both instances processed records, and together every record once', () => {
  const totals = instances.map((i) => i.service()?.totals);
  for (const t of totals) {
    expect(t?.received).toBeGreaterThan(0);
    expect(t && isConserved(t)).toBe(true);
  }
  const sum = (f: (t: NonNullable<(typeof totals)[number]>) => number) =>
    totals.reduce((n, t) => n + (t ? f(t) : 0), 0);
  expect(sum((t) => t.received)).toBe(COUNT);
  expect(sum((t) => t.duplicates)).toBe(truth.duplicates);
  for (const reason of REJECTION_REASONS) {
    expect({ reason, n: sum((t) => t.rejectedByReason[reason]) }).toEqual({
      reason,
      n: truth.malformed[reason],
    });
  }
});

it('ad_events holds every accepted event exactly once', async () => {
  await Promise.all(instances.map((i) => i.stop()));
  const decode = adEventDecoder(new ConfluentSchemaRegistry({ url: config.registry?.url ?? '' }));
  const records = await readTopic(kafka, config.topics.adEvents);
  const events = await Promise.all(
    records.map(async (r) => (await decode(r.value ?? Buffer.alloc(0))).event),
  );
  expect(countBy(events, (e) => e.eventType)).toEqual(nonZero(truth.validUnique));
  expect(new Set(events.map(EVENT_KEY)).size).toBe(events.length);
  const accepted = instances.reduce((n, i) => n + (i.service()?.totals.accepted ?? 0), 0);
  expect(events).toHaveLength(accepted);
});

it('both members leave the group on stop', async () => {
  const group = await describeGroup(kafka, groupId);
  expect(group.members).toEqual([]);
});
