import { confluentSchemaId } from '../../adapters/codecs';
import { SIMULATED_REASONS } from '../../src/simulator';
import {
  createSimulator,
  type SimulatedRecord,
  type SimulatorOptions,
} from '../../src/simulator/simulator';

const IDS = { v1: 3, v2: 4 };
const START = Date.UTC(2025, 2, 1, 12);
const options = (extra: Partial<SimulatorOptions> = {}): SimulatorOptions => ({
  seed: 42,
  startTime: START,
  bidRequestSchemaIds: IDS,
  ...extra,
});

describe('traffic simulator', () => {
  it('is deterministic for a seed, and differs between seeds', () => {
    const bytes = (records: SimulatedRecord[]): string[] =>
      records.map((r) => `${r.topic}|${r.key}|${r.value.toString('base64')}`);
    const a = createSimulator(options());
    const b = createSimulator(options());
    expect(bytes(a.take(5000))).toEqual(bytes(b.take(5000)));
    expect(a.groundTruth()).toEqual(b.groundTruth());
    expect(bytes(createSimulator(options({ seed: 43 })).take(200))).not.toEqual(
      bytes(createSimulator(options()).take(200)),
    );
  });

  it('rejects impossible options', () => {
    expect(() => createSimulator(options({ users: 0 }))).toThrow(RangeError);
    expect(() => createSimulator(options({ duplicateRate: 0.6, malformedRate: 0.5 }))).toThrow(
      RangeError,
    );
    expect(() => createSimulator(options({ mix: { winRate: 0.9, bidRate: 0.5 } }))).toThrow(
      RangeError,
    );
  });

  it('produces a realistic mix of sources, versions, duplicates and malformed records', () => {
    const sim = createSimulator(options({ eventTimeStepMs: 20 }));
    const records = sim.take(50_000);
    const truth = sim.groundTruth();
    const v = truth.validUnique;
    const valid = v.impression + v.click + v.conversion + v.bid_request;
    expect(truth.records).toBe(50_000);
    expect(
      valid + truth.duplicates + Object.values(truth.malformed).reduce((a, b) => a + b, 0),
    ).toBe(50_000);
    expect(v.bid_request / valid).toBeGreaterThan(0.5);
    expect(v.bid_request / valid).toBeLessThan(0.6);
    expect(v.impression / valid).toBeGreaterThan(0.36);
    expect(v.impression / valid).toBeLessThan(0.44);
    expect(v.click / v.impression).toBeGreaterThan(0.015);
    expect(v.click / v.impression).toBeLessThan(0.04);
    expect(v.conversion).toBeGreaterThan(0);
    const won = [...truth.perCampaign.values()].reduce((n, c) => n + c.bidsWon, 0);
    expect(won / v.bid_request).toBeGreaterThan(0.17);
    expect(won / v.bid_request).toBeLessThan(0.23);
    expect(truth.duplicates / truth.records).toBeGreaterThan(0.015);
    expect(truth.duplicates / truth.records).toBeLessThan(0.025);
    expect(truth.lateValid / valid).toBeGreaterThan(0.005);
    expect(truth.lateValid / valid).toBeLessThan(0.015);
    expect(truth.perCampaign.size).toBe(12);

    // both versions of every contract are on the wire
    const text = (r: SimulatedRecord): string => r.value.toString('utf8');
    const impressions = records
      .filter((r) => r.topic === 'impressions' && r.value.length < 2000)
      .map(text);
    expect(impressions.some((t) => t.includes('"bid_request_id"'))).toBe(true);
    expect(impressions.some((t) => !t.includes('"placement_id"'))).toBe(true);
    const columns = new Set(
      records
        .filter((r) => r.topic === 'clicks' && !text(r).includes('"'))
        .map((r) => text(r).split(',').length),
    );
    expect(columns).toContain(9);
    expect(columns).toContain(11);
    const schemaIds = new Set(
      records.filter((r) => r.topic === 'bid_requests').map((r) => confluentSchemaId(r.value)),
    );
    expect(schemaIds).toContain(IDS.v1);
    expect(schemaIds).toContain(IDS.v2);
  });

  it('keys every record by user id, so one user stays in one partition on every topic', () => {
    const records = createSimulator(options()).take(5000);
    expect(records.every((r) => /^user-\d{6}$/.test(r.key))).toBe(true);
  });

  it('injects every rejection reason within 20k records', () => {
    const sim = createSimulator(options());
    sim.take(20_000);
    const { malformed } = sim.groundTruth();
    for (const reason of SIMULATED_REASONS)
      expect({ reason, present: malformed[reason] > 0 }).toEqual({ reason, present: true });
  });
});
