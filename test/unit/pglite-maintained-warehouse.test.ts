import { MemoryWarehouse } from '../../adapters/memory/memory-warehouse';
import { MaintainedWarehouse } from '../../adapters/warehouse/pglite-maintained-warehouse';
import type { MaintenanceReport } from '../../adapters/warehouse/pglite-maintenance';
import type { Logger } from '../../ports';

const MINUTE = 60_000;

function logger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => void lines.push(`info ${m}`),
    warn: (m) => void lines.push(`warn ${m}`),
    error: (m) => void lines.push(`error ${m}`),
  };
}

describe('maintained warehouse (PGlite housekeeping after a refresh)', () => {
  let now = 0;
  let runs = 0;
  let fail = false;
  const maintain = async (): Promise<MaintenanceReport> => {
    runs++;
    if (fail) throw new Error('vacuum failed');
    return { vacuumMs: 1, cacheBytes: 9 * 2 ** 20, cacheReset: true };
  };
  beforeEach(() => {
    now = 0;
    runs = 0;
    fail = false;
  });

  it('maintains after a refresh at most once per interval, and refreshes as before', async () => {
    const inner = new MemoryWarehouse();
    const log = logger();
    const w = new MaintainedWarehouse(inner, maintain, log, { everyMs: MINUTE, now: () => now });
    await w.loadBatch({ batchId: 'b1', events: [], attributions: [], stagedKeys: [] });
    now = 30_000;
    expect((await w.refreshAggregates()).status).toBe('refreshed');
    expect(runs).toBe(0);
    now = MINUTE;
    await w.refreshAggregates();
    now = MINUTE + 59_999;
    await w.refreshAggregates();
    expect(runs).toBe(1);
    now = 2 * MINUTE;
    await w.refreshAggregates();
    expect(runs).toBe(2);
    expect(log.lines).toEqual([
      'info embedded warehouse: catalog caches reset',
      'info embedded warehouse: catalog caches reset',
    ]);
  });

  it('a failed maintenance is logged, never fails the refresh, and is tried again', async () => {
    const log = logger();
    const w = new MaintainedWarehouse(new MemoryWarehouse(), maintain, log, {
      everyMs: MINUTE,
      now: () => now,
    });
    fail = true;
    now = MINUTE;
    await expect(w.refreshAggregates()).resolves.toMatchObject({ status: 'current' });
    expect(log.lines).toEqual([
      'warn embedded warehouse maintenance failed; retrying next interval',
    ]);
    fail = false;
    now = 2 * MINUTE;
    await w.refreshAggregates();
    expect(runs).toBe(2);
  });
});
