/**
 * Runs the real-profile service in process (serveReal) against the local stack, with the
 * configuration a deployment would give it through the environment.
 */
import type { Container } from 'inversify';
import { AssignerProtocol, type Kafka } from 'kafkajs';
import type { EventType } from '../../../domain';
import { loadConfig, type AppConfig } from '../../../src/config/config';
import { serveReal, type RealServeResult } from '../../../src/cli/serve-real';
import { SERVICE } from '../../../src/container/container';
import type { PipelineService } from '../../../src/pipeline/pipeline-service';
import { STACK, TEST_PSEUDONYMIZATION_KEY, waitFor } from '../../support/stack';

/** ADX_PROFILE=real on the stack; every topic under `prefix`, one consumer group per test file. */
export function realEnv(
  prefix: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    ADX_PROFILE: 'real',
    KAFKA_BROKERS: STACK.brokers.join(','),
    SCHEMA_REGISTRY_URL: STACK.registryUrl,
    ADX_PSEUDONYMIZATION_KEY: TEST_PSEUDONYMIZATION_KEY,
    ADX_TOPIC_PREFIX: prefix,
    KAFKA_GROUP_ID: `${prefix}pipeline`,
    KAFKA_CLIENT_ID: `${prefix}pipeline`,
    ADX_HTTP_PORT: '0',
    ADX_PROGRESS_INTERVAL: '1h',
    ADX_LOG_FORMAT: 'json',
    // Kafka is what these suites test; the warehouse has its own (a child process would
    // otherwise pick up any DATABASE_URL in the environment)
    ADX_WAREHOUSE: 'memory',
    // in process, the service runs from the TypeScript sources, which a worker thread cannot load;
    // the thread is run by the suites that start the built service (exactly-once, outages,
    // scale-out's members, sigterm, cli) and by the publisher's conformance suite
    ADX_PUBLISHER_THREAD: 'false',
    ...overrides,
  };
}

export function realConfig(prefix: string, overrides: Record<string, string> = {}): AppConfig {
  return loadConfig(realEnv(prefix, overrides));
}

export interface RunningService {
  /** the service once serveReal has started it */
  readonly service: () => PipelineService | undefined;
  /** rejects when serveReal fails */
  readonly result: Promise<RealServeResult>;
  /** abort (as SIGTERM does) and wait for serveReal to return */
  stop(): Promise<RealServeResult>;
}

export function startService(
  config: AppConfig,
  prepare?: (c: Container) => void | Promise<void>,
): RunningService {
  const abort = new AbortController();
  let service: PipelineService | undefined;
  const result = serveReal(
    config,
    abort.signal,
    (c) => {
      service = c.get<PipelineService>(SERVICE);
    },
    prepare,
  );
  // a failure is reported by whoever awaits `result` or waits on the service
  result.catch(() => undefined);
  return {
    service: () => service,
    result,
    stop: async () => {
      abort.abort();
      return result;
    },
  };
}

/** Waits until the services together have received `total` records; fails fast if one fails. */
export async function waitUntilReceived(
  services: readonly RunningService[],
  total: number,
  timeoutMs = 90_000,
): Promise<void> {
  const received = () => services.reduce((n, s) => n + (s.service()?.totals.received ?? 0), 0);
  const failed = Promise.race(services.map((s) => s.result.then(() => undefined))).then(() => {
    throw new Error('serveReal returned before every record was received');
  });
  await Promise.race([
    failed,
    waitFor(
      `${total} records received`,
      () => received() >= total,
      timeoutMs,
      () => `(received ${received()}: ${services.map((s) => s.service()?.status).join(', ')})`,
    ),
  ]);
  if (received() !== total) throw new Error(`received ${received()} records, produced ${total}`);
}

export interface GroupMember {
  readonly memberId: string;
  readonly clientHost: string;
  /** topic → partitions */
  readonly assignment: Record<string, number[]>;
}

/** The group's state and members with their decoded assignments, as the coordinator sees them. */
export async function describeGroup(
  kafka: Kafka,
  groupId: string,
): Promise<{ state: string; protocol: string; members: GroupMember[] }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    if (!group) return { state: 'Dead', protocol: '', members: [] };
    return {
      state: group.state,
      protocol: group.protocol,
      members: group.members.map((m) => ({
        memberId: m.memberId,
        clientHost: m.clientHost,
        assignment:
          m.memberAssignment.length > 0
            ? (AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {})
            : {},
      })),
    };
  } finally {
    await admin.disconnect();
  }
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** the ground truth's per-type counts without the zeros, comparable with countBy's output */
export function nonZero(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}

export const EVENT_KEY = (e: { eventType: EventType; eventId: string }): string =>
  `${e.eventType}:${e.eventId}`;
