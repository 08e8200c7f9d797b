import { MemoryMetrics } from '../../adapters/memory/memory-metrics';
import { MemoryWarehouse } from '../../adapters/memory/memory-warehouse';
import type { Logger, RefreshOptions, RefreshOutcome, WarehouseBatch } from '../../ports';
import { AggregateRefresher } from '../../src/pipeline/aggregate-refresher';
import { waitFor } from '../support/stack';

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const HOUR = 3_600_000;

const batch = (batchId: string): WarehouseBatch => ({
  batchId,
  events: [],
  attributions: [],
  stagedKeys: [],
});

/** a memory warehouse whose refreshes can be held open or made to fail */
class HeldWarehouse extends MemoryWarehouse {
  calls = 0;
  fail = false;
  hold: Promise<void> | undefined;
  override async refreshAggregates(options?: RefreshOptions): Promise<RefreshOutcome> {
    this.calls++;
    if (this.fail) throw new Error('refresh failed');
    await this.hold;
    return super.refreshAggregates(options);
  }
}

function held(): { promise: Promise<void>; release: () => void } {
  let release = (): void => undefined;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

describe('aggregate refresher', () => {
  it('never runs two refreshes at once: a second call shares the one in flight', async () => {
    const warehouse = new HeldWarehouse();
    const refresher = new AggregateRefresher(warehouse, new MemoryMetrics(), quiet, HOUR);
    await warehouse.loadBatch(batch('b1'));
    const gate = held();
    warehouse.hold = gate.promise;
    const first = refresher.refresh();
    const second = refresher.refresh();
    expect(warehouse.calls).toBe(1);
    gate.release();
    const [a, b] = await Promise.all([first, second]);
    expect(a?.status).toBe('refreshed');
    expect(b).toBe(a);
    warehouse.hold = undefined;
    expect((await refresher.refresh())?.status).toBe('current');
    expect(warehouse.calls).toBe(2);
  });

  it('counts a failed refresh and tries again next time', async () => {
    const warehouse = new HeldWarehouse();
    const metrics = new MemoryMetrics();
    const refresher = new AggregateRefresher(warehouse, metrics, quiet, HOUR);
    await warehouse.loadBatch(batch('b1'));
    warehouse.fail = true;
    expect(await refresher.refresh()).toBeUndefined();
    expect(metrics.errors.get('refresh_aggregates')).toBe(1);
    expect(await warehouse.aggregatesFreshness()).toBeUndefined();
    warehouse.fail = false;
    expect((await refresher.refresh())?.status).toBe('refreshed');
    expect((await warehouse.aggregatesFreshness())?.coversBatches).toBe(1);
  });

  it('a stopping member refreshes its last loads before it exits, with no tick in between', async () => {
    const warehouse = new MemoryWarehouse();
    const metrics = new MemoryMetrics();
    const refresher = new AggregateRefresher(warehouse, metrics, quiet, HOUR);
    refresher.start();
    await warehouse.loadBatch(batch('b1'));
    await warehouse.loadBatch(batch('b2'));
    refresher.loaded();
    refresher.loaded();
    expect(await warehouse.aggregatesFreshness()).toBeUndefined();
    await refresher.stop();
    const freshness = await warehouse.aggregatesFreshness();
    expect(freshness?.coversBatches).toBe(2);
    expect(metrics.lastRefresh).toBe(freshness?.refreshedAt);
    expect(metrics.stageSeconds.get('refresh_aggregates')).toBeGreaterThanOrEqual(0);
  });

  it('a stopping member waits for another member refreshing, then covers its own loads', async () => {
    const warehouse = new MemoryWarehouse();
    const other = new AggregateRefresher(warehouse, new MemoryMetrics(), quiet, HOUR);
    const stopping = new AggregateRefresher(warehouse, new MemoryMetrics(), quiet, HOUR);
    await warehouse.loadBatch(batch('b1'));
    const gate = held();
    let entered = (): void => undefined;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    warehouse.duringRefresh = () => {
      entered();
      return gate.promise;
    };
    // the other member's refresh covers b1 only; b2 commits while it runs
    const othersRefresh = other.refresh();
    await inside;
    warehouse.duringRefresh = undefined;
    await warehouse.loadBatch(batch('b2'));
    stopping.loaded();
    const stopped = stopping.stop();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await warehouse.aggregatesFreshness())?.coversBatches).toBeUndefined();
    gate.release();
    expect((await othersRefresh)?.status).toBe('refreshed');
    await stopped;
    expect((await warehouse.aggregatesFreshness())?.coversBatches).toBe(2);
  });

  it('a stopping member gives up waiting after its bound, and says so', async () => {
    const warehouse = new MemoryWarehouse();
    const warnings: string[] = [];
    const logger: Logger = { ...quiet, warn: (message) => warnings.push(message) };
    const other = new AggregateRefresher(warehouse, new MemoryMetrics(), quiet, HOUR);
    const stopping = new AggregateRefresher(warehouse, new MemoryMetrics(), logger, HOUR, 50);
    await warehouse.loadBatch(batch('b1'));
    const gate = held();
    warehouse.duringRefresh = () => gate.promise;
    const othersRefresh = other.refresh();
    stopping.loaded();
    await stopping.stop();
    expect(warnings).toEqual(['aggregates not refreshed before stopping: another member still is']);
    gate.release();
    await othersRefresh;
  });

  it('a member that loaded nothing refreshes, on its timer, what a dead member loaded', async () => {
    const warehouse = new MemoryWarehouse();
    const metrics = new MemoryMetrics();
    // member A loads and is killed: no stop, no refresh of its own
    const memberA = new AggregateRefresher(warehouse, new MemoryMetrics(), quiet, HOUR);
    await warehouse.loadBatch(batch('a1'));
    memberA.loaded();
    // member B never loads; its timer finds the ledger ahead of the last refresh
    const memberB = new AggregateRefresher(warehouse, metrics, quiet, 20);
    memberB.start();
    try {
      await waitFor(
        'member B to refresh',
        async () => (await warehouse.aggregatesFreshness())?.coversBatches === 1,
        60_000,
      );
      expect(metrics.lastRefresh).toBeGreaterThan(0);
      // and again when more is loaded, by anyone
      await warehouse.loadBatch(batch('a2'));
      await waitFor(
        'member B to refresh the second load',
        async () => (await warehouse.aggregatesFreshness())?.coversBatches === 2,
        60_000,
      );
    } finally {
      await memberB.stop();
    }
  });
});
