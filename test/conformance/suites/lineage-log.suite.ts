import {
  LINEAGE_STEPS,
  type LineageLog,
  type LineageStep,
  type LineageStepName,
} from '../../../ports';
import { SLOW_MS, uniqueName } from '../support/conformance-kit';

export interface LineageLogHarness {
  readonly log: LineageLog;
  cleanup?: () => Promise<void>;
}

const AT = Date.UTC(2026, 10, 26, 7);

function step(batchId: string, name: LineageStepName, received = 10): LineageStep {
  return {
    batchId,
    step: name,
    inputs: [`kafka:${batchId}`, 'schema:7'],
    outputs: [`s3://staging/fact_impression/dt=2026-11-26/${batchId}.ndjson.gz`],
    counts: { received, accepted: received - 2, rejected: 1, duplicates: 1 },
    ruleVersions: { code: '0.1.0', config: 'sha256:abc' },
    at: AT,
  };
}

const inStepOrder = (steps: LineageStep[]) =>
  [...steps].sort((a, b) => LINEAGE_STEPS.indexOf(a.step) - LINEAGE_STEPS.indexOf(b.step));

/** The LineageLog contract: steps are kept per (batchId, step); a retried batch replaces its steps. */
export function lineageLogConformance(name: string, make: () => Promise<LineageLogHarness>): void {
  describe(`LineageLog conformance: ${name}`, () => {
    let harness: LineageLogHarness;
    let log: LineageLog;
    let batchA: string;
    let batchB: string;

    beforeEach(async () => {
      harness = await make();
      log = harness.log;
      const run = uniqueName('lineage');
      batchA = `${run}.impressions-0-0-9`;
      batchB = `${run}.impressions-0-10-19`;
    });
    afterEach(async () => {
      await harness.cleanup?.();
    });

    it(
      'returns every step of a batch with its fields, and only that batch',
      async () => {
        const stepsA = LINEAGE_STEPS.map((name) => step(batchA, name));
        await log.append(stepsA.slice(0, 3));
        await log.append([step(batchB, 'ingest'), ...stepsA.slice(3)]);
        expect(inStepOrder(await log.stepsOfBatch(batchA))).toEqual(stepsA);
        expect(await log.stepsOfBatch(batchB)).toEqual([step(batchB, 'ingest')]);
      },
      SLOW_MS,
    );

    it('returns no steps for a batch it never saw', async () => {
      await log.append([step(batchA, 'ingest')]);
      expect(await log.stepsOfBatch(batchB)).toEqual([]);
    });

    it(
      'replaces a step appended again for the same batch instead of duplicating it',
      async () => {
        await log.append([step(batchA, 'ingest', 10), step(batchA, 'validate', 10)]);
        await log.append([step(batchA, 'ingest', 12)]);
        expect(inStepOrder(await log.stepsOfBatch(batchA))).toEqual([
          step(batchA, 'ingest', 12),
          step(batchA, 'validate', 10),
        ]);
      },
      SLOW_MS,
    );
  });
}
