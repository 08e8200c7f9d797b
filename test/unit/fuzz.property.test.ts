/**
 * The bounded twin of `npm run fuzz`: the same mutators, the same real decode and processBatch,
 * a few hundred records per format instead of a million, plus fast-check's own arbitraries.
 * Outcomes only: nothing throws, every record comes out exactly once (accepted, rejected or a
 * duplicate) and every rejection has a known reason. Slowness is the fuzzer's business, measured
 * there; a record that hung would show here as a test that never ends.
 */
import fc from 'fast-check';
import {
  createFuzzTarget,
  fuzzBatch,
  KINDS,
  TOPIC,
  type FuzzTarget,
} from '../../bench/fuzz/fuzz-target';
import { encodeClickRow } from '../../adapters/codecs';
import { adEventEncoding } from '../../adapters/kafka/ad-event-record';
import { EVENT_STAGE_ENCODING } from '../../adapters/warehouse/stage-rows';
import {
  initialPipelineState,
  pipelineRules,
  processBatch,
  REJECTION_REASONS,
  type SourceKind,
} from '../../domain';
import { adEventType } from '../../src/contracts/ad-event-type';
import { STAGED_EVENT_ENCODING } from '../../src/pipeline/staging';
import { batchOfValues } from '../support/source-batch';

/** the later stages' own encoders, as the service wires them (container.ts) */
const STAGES = [STAGED_EVENT_ENCODING, adEventEncoding(adEventType()), EVENT_STAGE_ENCODING];

let target: FuzzTarget;
beforeAll(async () => {
  target = await createFuzzTarget(300);
});

describe.each(KINDS)('%s records, mutated', (kind) => {
  it('never crash, always come out once, always with a reason (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.nat(10_000_000),
        async (seed, index) => {
          const { tally } = await fuzzBatch(target, kind, seed, index, 4);
          expect({
            crashes: tally.crashes,
            unaccounted: tally.unaccounted,
            withoutReason: tally.withoutReason,
            problems: tally.problems.filter((p) => !p.includes(' ms alone')),
          }).toEqual({
            crashes: 0,
            unaccounted: 0,
            withoutReason: 0,
            problems: [],
          });
          expect(tally.accepted + tally.rejected + tally.duplicates).toBe(4);
        },
      ),
      { numRuns: 150 },
    );
  });
});

/** fast-check's own shapes, straight into the decoder: any JSON, any text, any CSV fields */
async function outcomeOf(kind: SourceKind, values: Buffer[]) {
  const records = await target.decoder.decode(batchOfValues(kind, TOPIC[kind], values));
  const outcome = processBatch(initialPipelineState(pipelineRules()), records, target.now, {
    stageEncodings: STAGES,
  });
  expect(outcome.counts.received).toBe(values.length);
  // a search for a poison pill with the real encoders: none refuses what validation accepted
  const refusedByStage = outcome.rejections.filter((r) =>
    STAGES.some((s) => r.rejection.detail.startsWith(`${s.stage} threw`)),
  );
  expect(refusedByStage).toEqual([]);
  expect(outcome.accepted.length + outcome.rejections.length + outcome.duplicates.length).toBe(
    values.length,
  );
  for (const r of outcome.rejections) expect(REJECTION_REASONS).toContain(r.rejection.reason);
  return outcome;
}

const impressionLike = fc.record(
  {
    impression_id: fc.string({ unit: 'binary', maxLength: 20 }),
    timestamp: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(Date.UTC(2026, 5, 1))),
    user_id: fc.string({ unit: 'binary', maxLength: 20 }),
    campaign_id: fc.string({ maxLength: 10 }),
    ad_id: fc.string({ maxLength: 10 }),
    publisher_id: fc.string({ maxLength: 10 }),
    win_price_micros: fc.oneof(fc.integer(), fc.double(), fc.bigInt().map(String)),
    extra: fc.jsonValue({ maxDepth: 6 }),
  },
  { requiredKeys: [] },
);

it('any JSON value, and impression-shaped documents with any text, come out once with a reason (property)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.oneof(fc.jsonValue({ maxDepth: 8 }), impressionLike), {
        minLength: 1,
        maxLength: 8,
      }),
      async (docs) => {
        await outcomeOf(
          'impression',
          docs.map((d) => Buffer.from(JSON.stringify(d) ?? 'null')),
        );
      },
    ),
    { numRuns: 200 },
  );
});

it('any CSV fields (quotes, line breaks, any text) come out once with a reason (property)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.array(fc.string({ unit: 'binary', maxLength: 12 }), { minLength: 1, maxLength: 13 }),
        { minLength: 1, maxLength: 8 },
      ),
      async (rows) => {
        await outcomeOf(
          'click_or_conversion',
          rows.map((r) => encodeClickRow(r)),
        );
      },
    ),
    { numRuns: 200 },
  );
});

it('any bytes behind any schema id come out once with a reason (property)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.integer({ min: -1, max: 20 }), fc.uint8Array({ maxLength: 200 })), {
        minLength: 1,
        maxLength: 8,
      }),
      async (bodies) => {
        await outcomeOf(
          'bid_request',
          bodies.map(([id, body]) => {
            const header = Buffer.alloc(5);
            header.writeInt32BE(id, 1);
            return Buffer.concat([header, body]);
          }),
        );
      },
    ),
    { numRuns: 300 },
  );
});
