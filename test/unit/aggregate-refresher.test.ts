import { MemoryMetrics } from '../../adapters/memory/memory-metrics';
import { MemoryWarehouse } from '../../adapters/memory/memory-warehouse';
import type { Logger } from '../../ports';
import { AggregateRefresher } from '../../src/pipeline/aggregate-refresher';

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };

class CountingWarehouse extends MemoryWarehouse {
  refreshes = 0;
  fail = false;
  release: (() => void) | undefined;
  override async refreshAggregates(): Promise<void> {
    this.refreshes++;
    if (this.fail) throw new Error('refresh failed');
    await new Promise<void>((resolve) => (this.release = resolve));
  }
}

describe('aggregate refresher', () => {
  it('refreshes only after a load, and never twice at once', async () => {
    const warehouse = new CountingWarehouse();
    const refresher = new AggregateRefresher(warehouse, new MemoryMetrics(), quiet, 60_000);
    await refresher.refresh();
    expect(warehouse.refreshes).toBe(0);
    refresher.loaded();
    const first = refresher.refresh();
    refresher.loaded();
    const second = refresher.refresh();
    expect(warehouse.refreshes).toBe(1);
    warehouse.release?.();
    await Promise.all([first, second]);
    const third = refresher.refresh();
    expect(warehouse.refreshes).toBe(2);
    warehouse.release?.();
    await third;
  });

  it('counts a failed refresh and tries again next time', async () => {
    const warehouse = new CountingWarehouse();
    const metrics = new MemoryMetrics();
    const refresher = new AggregateRefresher(warehouse, metrics, quiet, 60_000);
    warehouse.fail = true;
    refresher.loaded();
    await refresher.refresh();
    expect(metrics.errors.get('refresh_aggregates')).toBe(1);
    warehouse.fail = false;
    const retry = refresher.refresh();
    expect(warehouse.refreshes).toBe(2);
    warehouse.release?.();
    await retry;
    await refresher.stop();
  });
});
