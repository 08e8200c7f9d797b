/**
 * HttpOpenLineageSink against a real node:http server: each run event is POSTed as JSON to the
 * endpoint with the bearer key; network errors, 429 and 5xx are retried, other answers are final;
 * whatever is not delivered is reported through onError, never thrown, and a consumer that never
 * answers is abandoned after the timeout. The fan-out sink gives the file and the consumer the
 * same events.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configuredOpenLineageSink } from '../../src/lineage/configured-sink';
import {
  HttpOpenLineageSink,
  OpenLineageDeliveryError,
  type OpenLineageHttpConfig,
} from '../../src/lineage/http-sink';
import { RUN_EVENT_SCHEMA, runIdOf, type RunEvent } from '../../src/lineage/openlineage';
import {
  refusedUrl,
  startConsumer,
  type Behaviour,
  type Consumer,
} from '../support/openlineage-consumer';
import { describedBatch } from '../support/source-batch';

const batch = describedBatch('impression', 'impressions', 0, '0', '9');
const API_KEY = 'ol-test-key-0123';
/** short pauses: the tests check what is retried, not how long the pauses are */
const FAST = [5, 5, 5];

let consumer: Consumer | undefined;
afterEach(async () => {
  await consumer?.close();
  consumer = undefined;
});

async function sinkFor(
  behaviour: Behaviour,
  config: Partial<OpenLineageHttpConfig> = {},
): Promise<{ sink: HttpOpenLineageSink; errors: unknown[]; consumer: Consumer }> {
  consumer = await startConsumer(behaviour);
  const errors: unknown[] = [];
  const sink = new HttpOpenLineageSink(
    { url: consumer.url, endpoint: 'api/v1/lineage', timeoutMs: 2000, ...config },
    { onError: (e) => errors.push(e), retryDelaysMs: FAST },
  );
  return { sink, errors, consumer };
}

const only = (errors: unknown[]): OpenLineageDeliveryError => {
  expect(errors).toHaveLength(1);
  expect(errors[0]).toBeInstanceOf(OpenLineageDeliveryError);
  return errors[0] as OpenLineageDeliveryError;
};

describe('HttpOpenLineageSink', () => {
  it('POSTs each event as JSON to the endpoint under the URL, with the bearer key', async () => {
    consumer = await startConsumer();
    const errors: unknown[] = [];
    const sink = new HttpOpenLineageSink(
      { url: `${consumer.url}/ol/`, endpoint: 'custom/lineage', apiKey: API_KEY, timeoutMs: 2000 },
      { onError: (e) => errors.push(e) },
    );
    await sink.start(batch);
    await sink.complete(batch, []);
    await sink.fail(batch, new Error('S3 unreachable'));

    expect(errors).toEqual([]);
    expect(consumer.received.map((r) => [r.method, r.path])).toEqual([
      ['POST', '/ol/custom/lineage'],
      ['POST', '/ol/custom/lineage'],
      ['POST', '/ol/custom/lineage'],
    ]);
    for (const r of consumer.received) {
      expect(r.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(r.headers['content-type']).toBe('application/json');
    }
    const events = consumer.received.map((r) => RUN_EVENT_SCHEMA.parse(JSON.parse(r.body)));
    expect(events.map((e) => e.eventType)).toEqual(['START', 'COMPLETE', 'FAIL']);
    expect(new Set(events.map((e) => e.run.runId))).toEqual(new Set([runIdOf(batch.id)]));
  });

  it('sends no Authorization header without a key', async () => {
    const { sink, consumer } = await sinkFor(() => 201);
    await sink.start(batch);
    expect(consumer.received).toHaveLength(1);
    expect(consumer.received[0]?.headers.authorization).toBeUndefined();
  });

  it('retries a 503 and delivers the event once', async () => {
    const { sink, errors, consumer } = await sinkFor((n) => (n === 0 ? 503 : 200));
    await sink.start(batch);
    expect(errors).toEqual([]);
    expect(consumer.received).toHaveLength(2);
    expect(consumer.received[1]?.body).toBe(consumer.received[0]?.body);
  });

  it('retries a 429 after its Retry-After', async () => {
    const { sink, errors, consumer } = await sinkFor((n) =>
      n === 0 ? { status: 429, headers: { 'Retry-After': '0' } } : 200,
    );
    await sink.start(batch);
    expect(errors).toEqual([]);
    expect(consumer.received).toHaveLength(2);
  });

  it('does not retry a 400, and reports it without the key', async () => {
    const { sink, errors, consumer } = await sinkFor(
      () => ({ status: 400, body: '{"error":"eventTime missing"}' }),
      { apiKey: API_KEY },
    );
    await expect(sink.complete(batch, [])).resolves.toBeUndefined();
    expect(consumer.received).toHaveLength(1);
    const error = only(errors);
    expect(error).toMatchObject({ status: 400, attempts: 1 });
    expect(error.message).toContain('COMPLETE');
    expect(error.message).toContain('HTTP 400');
    expect(error.message).toContain('eventTime missing');
    expect(error.message).not.toContain(API_KEY);
  });

  it('does not follow a redirect (fetch would resend the POST as a GET)', async () => {
    const { sink, errors, consumer } = await sinkFor(() => ({
      status: 301,
      headers: { Location: '/elsewhere' },
    }));
    await sink.start(batch);
    expect(consumer.received.map((r) => r.path)).toEqual(['/api/v1/lineage']);
    expect(only(errors).message).toContain('redirect to /elsewhere');
  });

  it('gives up on a lasting 500 after the retries and reports it once', async () => {
    const { sink, errors, consumer } = await sinkFor(() => 500);
    await sink.start(batch);
    expect(consumer.received).toHaveLength(FAST.length + 1);
    expect(only(errors)).toMatchObject({ status: 500, attempts: FAST.length + 1 });
  });

  it('abandons a consumer that never answers after the timeout', async () => {
    const { sink, errors, consumer } = await sinkFor(() => 'hang', { timeoutMs: 3000 });
    await expect(sink.start(batch)).resolves.toBeUndefined();
    expect(consumer.received).toHaveLength(1);
    const error = only(errors);
    expect(error.status).toBeUndefined();
    expect(error.message).toContain('timed out');
  });

  it('does not throw on a refused connection, and reports it after the retries', async () => {
    const errors: unknown[] = [];
    const sink = new HttpOpenLineageSink(
      { url: await refusedUrl(), endpoint: 'api/v1/lineage', timeoutMs: 2000 },
      { onError: (e) => errors.push(e), retryDelaysMs: FAST },
    );
    await expect(sink.start(batch)).resolves.toBeUndefined();
    const error = only(errors);
    expect(error.attempts).toBe(FAST.length + 1);
    expect(error.message).toContain('ECONNREFUSED');
  });
});

describe('ADX_OPENLINEAGE_FILE and ADX_OPENLINEAGE_URL together', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'adx-ol-both-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('write the same events to the file and the consumer', async () => {
    consumer = await startConsumer();
    const file = join(dir, 'ol.ndjson');
    const errors: unknown[] = [];
    const sink = configuredOpenLineageSink(
      {
        profile: 'embedded',
        warehouse: { kind: 'memory' },
        openLineageFile: file,
        openLineageHttp: { url: consumer.url, endpoint: 'api/v1/lineage', timeoutMs: 2000 },
      },
      (e) => errors.push(e),
    );
    await sink?.start(batch);
    await sink?.complete(batch, []);
    const inFile = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RunEvent);
    expect(errors).toEqual([]);
    expect(inFile.map((e) => e.eventType)).toEqual(['START', 'COMPLETE']);
    expect(consumer.received.map((r) => JSON.parse(r.body) as RunEvent)).toEqual(inFile);
  });

  it('keep writing the file while the consumer is down, reporting each lost event', async () => {
    const file = join(dir, 'ol.ndjson');
    const errors: unknown[] = [];
    const sink = configuredOpenLineageSink(
      {
        profile: 'embedded',
        warehouse: { kind: 'memory' },
        openLineageFile: file,
        openLineageHttp: { url: await refusedUrl(), endpoint: 'api/v1/lineage', timeoutMs: 500 },
      },
      (e) => errors.push(e),
    );
    await sink?.start(batch);
    await sink?.complete(batch, []);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(errors).toHaveLength(2);
    for (const e of errors) expect(e).toBeInstanceOf(OpenLineageDeliveryError);
  });
});
