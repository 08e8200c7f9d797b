/**
 * The local real stack (ops/stack.sh up) as the tests see it: addresses from the environment with
 * the stack's defaults, a reachability check that fails the suite with a clear message instead of
 * skipping it, and names unique to one test run so suites can share the servers.
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';

export const STACK = {
  brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  registryUrl: (process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7').replace(
    /\/+$/,
    '',
  ),
} as const;

/** A fixed test key (hex, 32 bytes): pseudonyms are stable across instances and restarts. */
export const TEST_PSEUDONYMIZATION_KEY = '7e57'.repeat(16);

/** `adx-<suite>-<8 hex>`: a name (topic prefix, group id, subject) no earlier run has used. */
export function uniqueRunName(suite: string): string {
  return `adx-${suite}-${randomBytes(4).toString('hex')}`;
}

/** A kafkajs client for test-side producing and reading; broker chatter only when it is an error. */
export function testKafka(clientId = 'adx-tests'): Kafka {
  return new Kafka({
    clientId,
    brokers: [...STACK.brokers],
    logLevel: logLevel.ERROR,
    retry: { initialRetryTime: 200, retries: 5 },
  });
}

function tcpReachable(address: string, timeoutMs: number): Promise<void> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), address.split(':').pop()];
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.end();
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function kafkaProblem(): Promise<string | undefined> {
  try {
    await tcpReachable(STACK.brokers[0] as string, 3000);
    const admin = testKafka('adx-stack-check').admin();
    await admin.connect();
    try {
      await admin.listTopics();
    } finally {
      await admin.disconnect();
    }
    return undefined;
  } catch (error) {
    return `Kafka at ${STACK.brokers.join(',')}: ${(error as Error).message}`;
  }
}

async function registryProblem(): Promise<string | undefined> {
  try {
    const response = await fetch(`${STACK.registryUrl}/subjects`, {
      signal: AbortSignal.timeout(5000),
    });
    if (response.status !== 200)
      return `schema registry at ${STACK.registryUrl}: HTTP ${response.status}`;
    await response.text();
    return undefined;
  } catch (error) {
    return `schema registry at ${STACK.registryUrl}: ${(error as Error).message}`;
  }
}

export type StackPart = 'kafka' | 'registry';

/**
 * Throws (failing every test of the calling suite) when a part of the stack does not answer.
 * Call it in beforeAll: a suite against the real stack must never pass by skipping.
 */
export async function requireStack(
  parts: readonly StackPart[] = ['kafka', 'registry'],
): Promise<void> {
  const problems = (
    await Promise.all([
      parts.includes('kafka') ? kafkaProblem() : undefined,
      parts.includes('registry') ? registryProblem() : undefined,
    ])
  ).filter((p): p is string => p !== undefined);
  if (problems.length > 0) {
    throw new Error(
      `the local stack is not reachable (${problems.join('; ')}). ` +
        'Start it with `ops/stack.sh up` (`ops/stack.sh status` shows each component), ' +
        'or point KAFKA_BROKERS / SCHEMA_REGISTRY_URL at a running one.',
    );
  }
}

/** Polls until `condition` holds; fails with `what` and the last state after `timeoutMs`. */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  describeState: () => string = () => '',
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} ${describeState()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** a port nothing listens on now (asked of the OS, then released) */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
