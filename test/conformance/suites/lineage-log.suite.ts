import {
  LINEAGE_STEPS,
  type LineageLog,
  type LineageStep,
  type LineageStepName,
  type StoppedRecord,
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

const onlySteps = (steps: LineageStep[]) => ({ steps, stopped: [] });

function stopped(batchId: string, offset: string, partition = 0): StoppedRecord {
  return {
    batchId,
    topic: `${batchId}.clicks`,
    partition,
    offset,
    step: 'validate',
    reason: 'missing_field',
    path: 'campaign_id',
    detail: 'campaign_id is required',
  };
}

function duplicate(batchId: string, offset: string, eventId: string): StoppedRecord {
  return {
    ...stopped(batchId, offset),
    step: 'dedupe',
    reason: 'duplicate',
    path: '',
    detail: `click ${eventId} was already accepted`,
    event: { type: 'click', id: eventId },
  };
}

const inStepOrder = (steps: LineageStep[]) =>
  [...steps].sort((a, b) => LINEAGE_STEPS.indexOf(a.step) - LINEAGE_STEPS.indexOf(b.step));

/**
 * The LineageLog contract: steps are kept per (batchId, step) and stopped records per Kafka
 * coordinates; a retried batch replaces both instead of duplicating them.
 */
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
        await log.append(onlySteps(stepsA.slice(0, 3)));
        await log.append(onlySteps([step(batchB, 'ingest'), ...stepsA.slice(3)]));
        expect(inStepOrder(await log.stepsOfBatch(batchA))).toEqual(stepsA);
        expect(await log.stepsOfBatch(batchB)).toEqual([step(batchB, 'ingest')]);
      },
      SLOW_MS,
    );

    it('returns no steps for a batch it never saw', async () => {
      await log.append(onlySteps([step(batchA, 'ingest')]));
      expect(await log.stepsOfBatch(batchB)).toEqual([]);
    });

    it(
      'replaces a step appended again for the same batch instead of duplicating it',
      async () => {
        await log.append(onlySteps([step(batchA, 'ingest', 10), step(batchA, 'validate', 10)]));
        await log.append(onlySteps([step(batchA, 'ingest', 12)]));
        expect(inStepOrder(await log.stepsOfBatch(batchA))).toEqual([
          step(batchA, 'ingest', 12),
          step(batchA, 'validate', 10),
        ]);
      },
      SLOW_MS,
    );

    it(
      'keeps each stopped record with where and why it stopped, findable by batch, coordinates and event id',
      async () => {
        const eventId = `${batchA}-click-7`;
        // a rejected record whose payload claims the same id, with no event type to go on
        const claiming: StoppedRecord = { ...stopped(batchA, '30'), event: { id: eventId } };
        const records = [
          stopped(batchA, '12'),
          duplicate(batchA, '9', eventId),
          stopped(batchA, '3', 1),
          claiming,
        ];
        await log.append({ steps: [step(batchA, 'validate')], stopped: records });
        await log.append({ steps: [], stopped: [stopped(batchB, '20')] });
        // ordered by topic, partition, then offset as a number (9 before 12)
        expect(await log.stoppedInBatch(batchA)).toEqual([
          records[1],
          records[0],
          claiming,
          records[2],
        ]);
        expect(await log.stoppedAt(`${batchA}.clicks`, 0, '12')).toEqual(records[0]);
        expect(await log.stoppedAt(`${batchA}.clicks`, 1, '12')).toBeUndefined();
        expect(await log.stoppedAt(`${batchA}.clicks`, 0, '13')).toBeUndefined();
        expect(await log.stoppedWithEventId(eventId)).toEqual([records[1], claiming]);
        expect(await log.stoppedWithEventId(`${batchA}-click-8`)).toEqual([]);
        expect(await log.stoppedInBatch(batchB)).toEqual([stopped(batchB, '20')]);
      },
      SLOW_MS,
    );

    it(
      'records a stopped record once when its batch is recorded again',
      async () => {
        await log.append({ steps: [], stopped: [stopped(batchA, '5'), stopped(batchA, '6')] });
        await log.append({ steps: [], stopped: [stopped(batchA, '5'), stopped(batchA, '6')] });
        expect(await log.stoppedInBatch(batchA)).toEqual([
          stopped(batchA, '5'),
          stopped(batchA, '6'),
        ]);
      },
      SLOW_MS,
    );
  });
}
