/**
 * The HTTP sink's breaker against a real node:http consumer: after 3 undelivered events in a row
 * the next events are not sent at all, each reported lost at once; after the cooldown one event is
 * tried with a single request, and when the consumer is back it closes the breaker. A consumer
 * that answers 400 is up, so it never opens the breaker. The breaker (cockatiel's) reads Date.now,
 * which the test moves past the cooldown; the assertions count requests and reported errors,
 * never time.
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
import {
  refusedUrl,
  startConsumer,
  type Answer,
  type Consumer,
} from '../support/openlineage-consumer';
import { describedBatch } from '../support/source-batch';

const batch = describedBatch('click_or_conversion', 'clicks', 1, '10', '19');
const API_KEY = 'ol-breaker-key-77';
const COOLDOWN_MS = 30_000;
/** short pauses: the tests check what is sent, not how long the pauses are */
const FAST = [5, 5, 5];

let consumer: Consumer | undefined;
afterEach(async () => {
  jest.restoreAllMocks();
  await consumer?.close();
  consumer = undefined;
});

/** A consumer whose answer the test switches, and a sink on a clock the test moves. */
async function setUp(config: Partial<OpenLineageHttpConfig> = {}) {
  let answer: Answer | 'hang' = 503;
  consumer = await startConsumer(() => answer);
  // the clock stands still but for advance(): the cooldown ends exactly when the test says
  let offset = 0;
  const frozen = Date.now();
  jest.spyOn(Date, 'now').mockImplementation(() => frozen + offset);
  const errors: OpenLineageDeliveryError[] = [];
  const recovered: string[] = [];
  const sink = new HttpOpenLineageSink(
    {
      url: consumer.url,
      endpoint: 'api/v1/lineage',
      apiKey: API_KEY,
      // ample for a request to reach the server before a hung one is abandoned
      timeoutMs: 3000,
      breaker: { failures: 3, cooldownMs: COOLDOWN_MS },
      ...config,
    },
    {
      onError: (e) => errors.push(e as OpenLineageDeliveryError),
      onRecovered: (m) => recovered.push(m),
      retryDelaysMs: FAST,
    },
  );
  return {
    sink,
    consumer,
    errors,
    recovered,
    answer: (a: Answer | 'hang') => {
      answer = a;
    },
    advance: (ms: number) => {
      offset += ms;
    },
    /** events reported lost without a request */
    notSent: () => errors.filter((e) => e.attempts === 0),
  };
}

describe('HttpOpenLineageSink breaker', () => {
  it('stops sending to a consumer that hangs, reporting each held-back event at once', async () => {
    const t = await setUp();
    t.answer('hang');
    for (let i = 0; i < 3; i++) await t.sink.start(batch);
    expect(t.consumer.received).toHaveLength(3);
    expect(t.errors).toHaveLength(3);
    expect(t.errors.map((e) => e.attempts)).toEqual([1, 1, 1]);
    expect(t.errors[2]?.message).toContain('events not sent until');

    for (let i = 0; i < 5; i++) await t.sink.complete(batch, []);
    expect(t.consumer.received).toHaveLength(3);
    expect(t.errors).toHaveLength(8);
    expect(t.notSent()).toHaveLength(5);
    for (const e of t.notSent()) {
      expect(e).toBeInstanceOf(OpenLineageDeliveryError);
      expect(e.message).toMatch(
        /consumer .* unavailable since .*timed out.*COMPLETE event .* not sent/,
      );
      expect(e.message).not.toContain(API_KEY);
    }
    expect(t.recovered).toEqual([]);
  });

  it('tries one event after the cooldown with a single request, and opens again if it fails', async () => {
    const t = await setUp();
    for (let i = 0; i < 3; i++) await t.sink.start(batch);
    // 503 is retried: each of the three events took the first attempt and three retries
    expect(t.consumer.received).toHaveLength(3 * (FAST.length + 1));

    t.advance(COOLDOWN_MS - 1);
    await t.sink.start(batch);
    expect(t.consumer.received).toHaveLength(12);
    expect(t.notSent()).toHaveLength(1);

    t.advance(1);
    await t.sink.start(batch);
    expect(t.consumer.received).toHaveLength(13);
    expect(t.errors.at(-1)).toMatchObject({ attempts: 1, status: 503 });
    expect(t.errors.at(-1)?.message).toContain('still unavailable');

    await t.sink.start(batch);
    await t.sink.start(batch);
    expect(t.consumer.received).toHaveLength(13);
    expect(t.notSent()).toHaveLength(3);
    expect(t.errors).toHaveLength(7);
  });

  it('closes when the trial is delivered, and sends every event again', async () => {
    const t = await setUp();
    for (let i = 0; i < 3; i++) await t.sink.start(batch);
    await t.sink.start(batch);
    t.answer(201);
    // back, but the cooldown is not over: still nothing is sent
    await t.sink.start(batch);
    expect(t.consumer.received).toHaveLength(12);
    expect(t.notSent()).toHaveLength(2);

    t.advance(COOLDOWN_MS);
    await t.sink.start(batch);
    expect(t.consumer.received).toHaveLength(13);
    expect(t.errors).toHaveLength(5);
    expect(t.recovered).toHaveLength(1);
    expect(t.recovered[0]).toContain('5 events were lost');

    for (let i = 0; i < 4; i++) await t.sink.complete(batch, []);
    expect(t.consumer.received).toHaveLength(17);
    expect(t.errors).toHaveLength(5);
    expect(t.recovered).toHaveLength(1);
  });

  it('counts only failures in a row: a delivered event starts the count again', async () => {
    const t = await setUp();
    await t.sink.start(batch);
    await t.sink.start(batch);
    t.answer(200);
    await t.sink.start(batch);
    t.answer(503);
    await t.sink.start(batch);
    await t.sink.start(batch);
    expect(t.notSent()).toEqual([]);
    // the third in a row opens it
    await t.sink.start(batch);
    await t.sink.start(batch);
    expect(t.notSent()).toHaveLength(1);
  });

  it('is not opened by a consumer that answers 400: the event is at fault, not the consumer', async () => {
    const t = await setUp();
    t.answer({ status: 400, body: '{"error":"bad event"}' });
    for (let i = 0; i < 6; i++) await t.sink.start(batch);
    expect(t.consumer.received).toHaveLength(6);
    expect(t.errors).toHaveLength(6);
    for (const e of t.errors) expect(e).toMatchObject({ attempts: 1, status: 400 });

    // and it shows the consumer is up, so earlier failures do not add up with later ones
    t.answer(503);
    await t.sink.start(batch);
    await t.sink.start(batch);
    t.answer(400);
    await t.sink.start(batch);
    t.answer(503);
    await t.sink.start(batch);
    await t.sink.start(batch);
    expect(t.notSent()).toEqual([]);
  });
});

describe('the breaker with ADX_OPENLINEAGE_FILE and ADX_OPENLINEAGE_URL together', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'adx-ol-breaker-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('holds back only the HTTP events: the file gets every one', async () => {
    const file = join(dir, 'ol.ndjson');
    const errors: unknown[] = [];
    const sink = configuredOpenLineageSink(
      {
        profile: 'embedded',
        warehouse: { kind: 'memory' },
        openLineageFile: file,
        openLineageHttp: {
          url: await refusedUrl(),
          endpoint: 'api/v1/lineage',
          timeoutMs: 500,
          breaker: { failures: 3, cooldownMs: COOLDOWN_MS },
        },
      },
      (e) => errors.push(e),
    );
    for (let i = 0; i < 3; i++) await sink?.start(batch);
    for (let i = 0; i < 4; i++) await sink?.complete(batch, []);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(7);
    expect(errors).toHaveLength(7);
    const attempts = errors.map((e) => (e as OpenLineageDeliveryError).attempts);
    expect(attempts.slice(0, 3).every((n) => n > 0)).toBe(true);
    expect(attempts.slice(3)).toEqual([0, 0, 0, 0]);
  });
});
