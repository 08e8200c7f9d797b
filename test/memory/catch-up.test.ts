/**
 * The embedded service in catch-up mode (`--backlog`): three days of simulated traffic are in the
 * bus before the pipeline reads it, so each batch spans far more event time than a live one and
 * the topics' batches interleave unevenly. Whatever the batch size, the warehouse must hold what
 * the offline reference computes over the same records.
 */
import type { MemoryBus } from '../../adapters/memory/memory-bus';
import type { MemoryWarehouse } from '../../adapters/memory/memory-warehouse';
import { DAY_MS } from '../../domain';
import { TOKENS, type Pseudonymizer, type RecordDecoder } from '../../ports';
import { loadConfig } from '../../src/config/config';
import { EMBEDDED, sourceTopics } from '../../src/container/app-tokens';
import { serve } from '../../src/cli/serve';
import { creditText, referenceCreditsById, referenceOutcome } from '../support/offline-reference';
import { decodedTopicPartitions } from '../support/reference-input';

const EVENTS = 40_000;
const KEY = '5eed'.repeat(16);

describe.each([[250], [20_000]])('embedded catch-up run, batches of %d records', (batchSize) => {
  it('loads exactly the reference: accepted events, duplicates, rejections and every attribution', async () => {
    const config = loadConfig({
      ADX_HTTP_PORT: '0',
      ADX_PROGRESS_INTERVAL: '1h',
      ADX_SIM_USERS: '2000',
      ADX_BATCH_SIZE: String(batchSize),
      ADX_WAREHOUSE: 'memory',
      // every published event and bus record is inspected after the run
      ADX_EMBEDDED_HISTORY: '1000000',
      ADX_EMBEDDED_RETENTION: '1d',
      ADX_PSEUDONYMIZATION_KEY: KEY,
      // nothing may go idle while the backlog is read, however slow the machine
      ADX_IDLE_TIMEOUT: '1h',
    });
    const run = await serve(config, { events: EVENTS, seed: 99, backlog: 3 * DAY_MS });
    const warehouse = run.container.get<MemoryWarehouse>(TOKENS.Warehouse);
    const pseudonymizer = run.container.get<Pseudonymizer>(TOKENS.Pseudonymizer);
    const bus = run.container.get<MemoryBus>(EMBEDDED.Bus);
    const topics = sourceTopics(config);
    const input = await decodedTopicPartitions(
      [...topics.keys()].flatMap((topic) => bus.all(topic)),
      topics,
      run.container.get<RecordDecoder>(TOKENS.RecordDecoder),
    );
    expect(input.flat()).toHaveLength(EVENTS);

    const reference = referenceOutcome(input, config.rules, Date.now(), (id) =>
      pseudonymizer.pseudonymize(id),
    );
    const loaded = [...warehouse.facts.values()].flatMap((table) =>
      [...table.values()].map(
        (e) =>
          `${e.source.topic}/${e.source.partition}/${e.source.offset} ${e.eventType}:${e.eventId}`,
      ),
    );
    expect(loaded.sort()).toEqual(
      [...reference.accepted].map(([at, e]) => `${at} ${e.eventType}:${e.eventId}`).sort(),
    );
    expect(run.service.totals.duplicates).toBe(reference.duplicates.size);
    expect(run.service.totals.rejected).toBe(reference.rejections.size);
    expect(run.service.totals.rejectedByReason.late_beyond_retention).toBe(
      [...reference.rejections.values()].filter((r) => r === 'late_beyond_retention').length,
    );

    const credits = new Map(
      [...warehouse.attributions.values()].map((a) => [
        `${a.eventType}:${a.eventId}`,
        creditText(a.model, a.touch),
      ]),
    );
    expect(credits.size).toBeGreaterThan(300);
    expect(credits).toEqual(referenceCreditsById(reference));
    expect([...warehouse.attributions.values()].filter((a) => a.late)).toEqual([]);
    // most clicks found their impression: the backlog did not make attribution give up
    const attributedClicks = [...credits].filter(
      ([id, credit]) => id.startsWith('click:') && credit !== 'unattributed',
    );
    expect(attributedClicks.length).toBeGreaterThan(
      0.9 * [...credits.keys()].filter((id) => id.startsWith('click:')).length,
    );
  }, 300_000);
});
