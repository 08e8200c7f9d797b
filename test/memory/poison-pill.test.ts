/**
 * A poison pill on the embedded service with PGlite (issue 12, item 4): one impression that a
 * later stage cannot write. Without the check that stage would throw for its whole batch on every
 * retry, end the service, and meet the same record after every restart. With the stage's encoder
 * among STAGE_ENCODINGS the record is dead-lettered as processing_error, the rest is loaded, the
 * counts add up and the service carries on to the end of its input.
 *
 * The stages' real encoders take every record validation accepts (test/unit/stage-encodings-real
 * shows what they refuse), so the stage that chokes here is the ad_events publisher wrapped with
 * an encoder that throws for one event id: a defect met by one input, as a real one would be.
 */
import type { Knex } from 'knex';
import type { MemoryEventPublisher } from '../../adapters/memory/memory-event-publisher';
import type { MemoryBus } from '../../adapters/memory/memory-bus';
import type { AdEvent } from '../../domain';
import { TOKENS, type DeadLetter, type EventEncoding, type EventPublisher } from '../../ports';
import { loadConfig } from '../../src/config/config';
import { registerContracts } from '../../src/contracts/register-contracts';
import {
  buildContainer,
  EMBEDDED,
  SERVICE,
  STAGE_ENCODINGS,
  STORAGE,
} from '../../src/container/container';
import type { Storage } from '../../src/container/storage';
import type { PipelineService } from '../../src/pipeline/pipeline-service';
import { HEAVY_TEST_MS } from '../support/timeouts';

const POISON = 'imp-poison';
const chokesOnPoison: EventEncoding = {
  stage: 'ad_events encoding',
  encode: (e: AdEvent) => {
    if (e.eventId === POISON) throw new TypeError(`no encoding for ${e.eventId}`);
    return e.eventId;
  },
};

/** the publisher of the embedded profile, encoding every event it publishes as the wrapped stage */
class ChokingPublisher implements EventPublisher {
  constructor(readonly inner: MemoryEventPublisher) {}
  async publishAdEvents(events: readonly AdEvent[]): Promise<void> {
    for (const e of events) chokesOnPoison.encode(e);
    await this.inner.publishAdEvents(events);
  }
  publishDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    return this.inner.publishDeadLetters(letters);
  }
}

const impression = (id: string, user: string): string =>
  JSON.stringify({
    impression_id: id,
    timestamp: new Date(Date.now() - 3_600_000).toISOString(),
    user_id: user,
    campaign_id: 'cmp-poison',
    ad_id: 'ad-1',
    publisher_id: 'pub-1',
    win_price_micros: 1000,
  });

/** the embedded service on PGlite, the choking publisher wired, these impressions on the bus */
async function embeddedRun(ids: readonly string[], checked: boolean) {
  const config = loadConfig({
    ADX_HTTP_PORT: '0',
    ADX_WAREHOUSE: 'pglite',
    ADX_PROGRESS_INTERVAL: '1h',
    ADX_IDLE_TIMEOUT: '1h',
  });
  let fed = false;
  const container = await buildContainer(config, { inputComplete: () => fed });
  const memory = container.get<MemoryEventPublisher>(TOKENS.EventPublisher);
  (await container.rebind(TOKENS.EventPublisher)).toConstantValue(new ChokingPublisher(memory));
  if (checked) {
    const wired = container.get<readonly EventEncoding[]>(STAGE_ENCODINGS);
    (await container.rebind(STAGE_ENCODINGS)).toConstantValue([...wired, chokesOnPoison]);
  }
  await registerContracts(container.get(TOKENS.SchemaRegistry), config.topics);
  const bus = container.get<MemoryBus>(EMBEDDED.Bus);
  ids.forEach((id, i) =>
    bus.produce(config.topics.impressions, `u${i}`, Buffer.from(impression(id, `u${i}`))),
  );
  fed = true;
  return {
    service: container.get<PipelineService>(SERVICE),
    storage: container.get<Storage>(STORAGE),
    memory,
  };
}

const IDS = ['imp-a', 'imp-b', POISON, 'imp-c', 'imp-d'];
const CLEAN = ['imp-a', 'imp-b', 'imp-c', 'imp-d'];

describe('a record a later stage cannot write', () => {
  it(
    'is dead-lettered as processing_error, and the service loads the rest and goes on',
    async () => {
      const { service, storage, memory } = await embeddedRun(IDS, true);
      try {
        await service.start();
        await service.finished();
        expect(service.status).toBe('stopped');
        expect(service.totals).toMatchObject({ received: 5, accepted: 4, rejected: 1 });
        expect(memory.deadLetters).toHaveLength(1);
        expect(memory.deadLetters[0]).toMatchObject({
          reason: 'processing_error',
          detail: `ad_events encoding threw TypeError: no encoding for ${POISON}`,
        });
        expect(memory.adEvents.map((e) => e.eventId).sort()).toEqual(CLEAN);
        const knex = storage.knex as Knex;
        const loaded = (await knex('fact_impression').select('event_id')) as {
          event_id: string;
        }[];
        expect(loaded.map((r) => r.event_id).sort()).toEqual(CLEAN);
        // conservation as the ledger sees it: every record received is accepted or rejected
        const ledger = (await knex('load_ledger')
          .sum({ received: 'received', accepted: 'accepted', rejected: 'rejected' })
          .first()) as Record<'received' | 'accepted' | 'rejected', string | number>;
        // PGlite sums to a number, Postgres to a string: compared as numbers
        expect(Object.fromEntries(Object.entries(ledger).map(([k, v]) => [k, Number(v)]))).toEqual({
          received: 5,
          accepted: 4,
          rejected: 1,
        });
      } finally {
        await storage.close();
      }
    },
    HEAVY_TEST_MS,
  );

  it(
    "without its stage's encoder among STAGE_ENCODINGS, the same record ends the service",
    async () => {
      // the control: the publisher really throws for the batch, after the four retries
      const { service, storage, memory } = await embeddedRun(IDS, false);
      try {
        await service.start();
        await expect(service.finished()).rejects.toThrow(`no encoding for ${POISON}`);
        expect(service.status).toBe('failed');
        expect(memory.deadLetters).toHaveLength(0);
      } finally {
        await storage.close();
      }
    },
    HEAVY_TEST_MS,
  );
});
