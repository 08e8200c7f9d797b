/**
 * The Confluent registry adapter against a stand-in HTTP server that misbehaves on cue: 5xx are
 * retried, an unknown id is remembered for the negative-cache time (no second request), a
 * registry that never answers is given up on after its attempts, and subject membership is read
 * from GET /schemas/ids/{id}/versions. Requests are counted; nothing is timed.
 */
import { ConfluentSchemaRegistry } from '../../adapters/schema-registry/confluent-schema-registry';
import { startConsumer, type Answer, type Consumer } from '../support/openlineage-consumer';

let server: Consumer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const SCHEMA = JSON.stringify({ schema: '{"type":"string"}' });

/** answers the nth request (0-based) */
async function registryWith(answer: (n: number) => Answer | 'hang', ttl = 60_000) {
  server = await startConsumer(answer);
  const registry = new ConfluentSchemaRegistry({
    url: server.url,
    negativeCacheMs: ttl,
    policy: { attemptTimeoutMs: 2000, backoff: { delaysMs: [1, 1, 1] }, breakerFailures: 0 },
  });
  return { registry, requests: () => server?.received.map((r) => r.path) ?? [] };
}

it('retries 5xx answers and then serves the schema from memory', async () => {
  const { registry, requests } = await registryWith((n) =>
    n < 2 ? 503 : { status: 200, body: SCHEMA },
  );
  expect(await registry.schemaById(7)).toBe('{"type":"string"}');
  expect(await registry.schemaById(7)).toBe('{"type":"string"}');
  expect(requests()).toEqual(['/schemas/ids/7', '/schemas/ids/7', '/schemas/ids/7']);
});

it('remembers an unknown id: a stream of records naming it costs one request', async () => {
  const { registry, requests } = await registryWith(() => 404);
  for (let i = 0; i < 5; i++) expect(await registry.schemaById(99)).toBeUndefined();
  for (let i = 0; i < 5; i++) expect(await registry.schemaOfSubject('t-value', 99)).toBeUndefined();
  expect(requests()).toEqual(['/schemas/ids/99']);
});

it('asks again once the negative cache has expired', async () => {
  const { registry, requests } = await registryWith(() => 404, 1);
  expect(await registry.schemaById(5)).toBeUndefined();
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(await registry.schemaById(5)).toBeUndefined();
  expect(requests()).toHaveLength(2);
});

it('accepts an id only under a subject it is registered under', async () => {
  const { registry, requests } = await registryWith((n) =>
    n === 0
      ? { status: 200, body: SCHEMA }
      : { status: 200, body: JSON.stringify([{ subject: 'a-value', version: 1 }]) },
  );
  expect(await registry.schemaOfSubject('b-value', 3)).toBeUndefined();
  expect(requests()).toEqual(['/schemas/ids/3', '/schemas/ids/3/versions']);
});

it('gives up on a registry that never answers after its attempts, as an outage (it throws)', async () => {
  server = await startConsumer(() => 'hang');
  const registry = new ConfluentSchemaRegistry({
    url: server.url,
    // ample for each request to reach the server before its attempt is given up on
    policy: { attemptTimeoutMs: 3000, attempts: 2, backoff: { delaysMs: [1] }, breakerFailures: 0 },
  });
  await expect(registry.schemaById(1)).rejects.toMatchObject({
    name: 'DependencyUnavailableError',
    why: 'timed_out',
  });
  expect(server.received).toHaveLength(2);
});
