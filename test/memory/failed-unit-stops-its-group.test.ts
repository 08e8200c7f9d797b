/**
 * A unit of work that fails leaves its events decided into the in-memory state but not
 * committed. A unit of the same group queued behind it (another topic's batch, delivered while the
 * first was in flight) must not commit on top of that state: a snapshot it took would hold the
 * failed unit's events while that unit's positions stay behind, and the replay after a restart
 * would then drop them as duplicates. Here an impressions batch fails for good in its publish,
 * with a clicks batch of the same group queued behind it: neither may leave anything committed.
 */
import type { AdEvent } from '../../domain';
import {
  TOKENS,
  type DeadLetter,
  type EventPublisher,
  type StateStore,
  type Warehouse,
} from '../../ports';
import { registerContracts } from '../../src/contracts/register-contracts';
import { SERVICE } from '../../src/container/container';
import type { PipelineService } from '../../src/pipeline/pipeline-service';
import { GroupZeroSource } from '../support/group-zero-source';
import { quietMemoryContainer } from '../support/quiet-memory-container';
import { simulatedBatch } from '../support/source-batch';
import { HEAVY_TEST_MS } from '../support/timeouts';

class ImpressionsRefused implements EventPublisher {
  adEvents: AdEvent[] = [];
  async publishAdEvents(events: readonly AdEvent[]): Promise<void> {
    if (events.some((e) => e.eventType === 'impression'))
      throw new TypeError('ad_events refused the impressions');
    this.adEvents.push(...events);
  }
  async publishDeadLetters(_letters: readonly DeadLetter[]): Promise<void> {}
}

it(
  'a failed unit of work ends the service and the units of its group queued behind it commit nothing',
  async () => {
    const { config, container } = await quietMemoryContainer({
      // every unit a snapshot: the commit that would carry the failed unit's events
      ADX_SNAPSHOT_EVERY: '1',
      ADX_SNAPSHOT_LOG_RATIO: '0',
    });
    const impressions = simulatedBatch('impressions', 50);
    const clicks = simulatedBatch('clicks', 20);
    expect(clicks.records.length).toBe(20);
    const source = new GroupZeroSource([impressions, clicks]);
    const publisher = new ImpressionsRefused();
    (await container.rebind(TOKENS.EventSource)).toConstantValue(source);
    (await container.rebind(TOKENS.EventPublisher)).toConstantValue(publisher);
    await registerContracts(container.get(TOKENS.SchemaRegistry), config.topics);
    const service = container.get<PipelineService>(SERVICE);

    await service.start();
    await expect(service.finished()).rejects.toThrow('ad_events refused the impressions');

    // the clicks unit failed with the first unit's error instead of running
    expect(source.handled.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(publisher.adEvents).toEqual([]);
    const stored = await container.get<StateStore>(TOKENS.StateStore).readState(0);
    expect(stored.log.entries).toEqual([]);
    expect(stored.snapshot).toBeUndefined();
    const warehouse = container.get<Warehouse>(TOKENS.Warehouse);
    expect((await warehouse.campaignMetrics({})).every((m) => m.clicks === 0)).toBe(true);
  },
  HEAVY_TEST_MS,
);
