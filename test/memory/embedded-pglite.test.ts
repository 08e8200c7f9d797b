import { isConserved } from '../../domain';
import { serve, type ServeResult } from '../../src/cli/serve';
import { loadConfig } from '../../src/config/config';
import { HEAVY_TEST_MS } from '../support/timeouts';

/**
 * `npm start`'s default: the embedded service on the PGlite warehouse. Its report is read back
 * from the daily materialized view and must equal the simulator's ground truth, campaign by
 * campaign. (PGlite loads its WASM with import(): jest needs --experimental-vm-modules.)
 */
describe('embedded service on the PGlite warehouse', () => {
  let run: ServeResult;

  beforeAll(async () => {
    const config = loadConfig({
      ADX_HTTP_PORT: '0',
      ADX_PROGRESS_INTERVAL: '1h',
      ADX_SIM_USERS: '3000',
    });
    expect(config.warehouse.kind).toBe('pglite');
    run = await serve(config, { events: 30_000, seed: 99 });
  }, HEAVY_TEST_MS);

  it('conserves counts and loads every unique valid event once', () => {
    const t = run.service.totals;
    expect(t.received).toBe(30_000);
    expect(isConserved(t)).toBe(true);
    const truth = run.groundTruth.validUnique;
    expect(t.accepted).toBe(truth.impression + truth.click + truth.conversion + truth.bid_request);
    expect(t.duplicates).toBe(run.groundTruth.duplicates);
  });

  it('reports, from the materialized view, exactly the ground truth per campaign', () => {
    const lines = run.report.split('\n').slice(2);
    const byCampaign = new Map(lines.map((l) => [l.split(/\s+/)[0], l.split(/\s+/)]));
    for (const [campaign, truth] of run.groundTruth.perCampaign) {
      const cells = byCampaign.get(campaign);
      expect({
        campaign,
        impressions: cells?.[1],
        clicks: cells?.[2],
        conversions: cells?.[3],
      }).toEqual({
        campaign,
        impressions: String(truth.impressions),
        clicks: String(truth.clicks),
        conversions: String(truth.conversions),
      });
      expect(cells?.[4]).toBe((Math.round(truth.spendMicros / 1e4) / 100).toFixed(2));
      expect(cells?.[5]).toBe((Math.round(truth.revenueMicros / 1e4) / 100).toFixed(2));
      expect(cells?.[11]).toBe(String(truth.bidRequests));
    }
  });
});
