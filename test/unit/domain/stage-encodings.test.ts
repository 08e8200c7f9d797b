/**
 * Poison pills (issue 12, item 4): an accepted event that a later stage's per-event encoder throws
 * on is rejected as processing_error, naming the stage and the error, before it changes state; the
 * rest of the batch is decided as if it were not there, and every record is still counted once.
 */
import type { AdEvent } from '../../../domain/ad-event';
import { emptyCounts } from '../../../domain/batch-counts';
import type { StageEncoding } from '../../../domain/validate-record';
import { click, impression, MINUTE_MS, runBatch, T0 } from '../../support/domain-fixtures';

/** a stage that cannot write one event id (a defect that this one input meets) */
const choking = (eventId: string): StageEncoding => ({
  stage: 'warehouse stage row',
  encode: (e: AdEvent) => {
    if (e.eventId === eventId) throw new RangeError(`cannot write ${e.eventId}`);
    return e.eventId;
  },
});

describe('stage encodings tried on every accepted event', () => {
  const records = [
    impression({ id: 'imp-1', time: T0, offset: '0' }),
    impression({ id: 'imp-poison', time: T0 + 1, offset: '1' }),
    impression({ id: 'imp-2', time: T0 + 2, offset: '2' }),
  ];

  it('rejects the event the encoder throws on as processing_error, naming stage and error', () => {
    const outcome = runBatch(records, { stageEncodings: [choking('imp-poison')] });
    expect(outcome.accepted.map((e) => e.eventId)).toEqual(['imp-1', 'imp-2']);
    expect(outcome.rejections).toEqual([
      {
        source: records[1]?.source,
        rejection: {
          reason: 'processing_error',
          path: '',
          detail: 'warehouse stage row threw RangeError: cannot write imp-poison',
        },
      },
    ]);
  });

  it('conserves counts: received = accepted + rejected + duplicates', () => {
    const { counts } = runBatch(records, { stageEncodings: [choking('imp-poison')] });
    expect(counts).toEqual({
      ...emptyCounts(),
      received: 3,
      accepted: 2,
      rejected: 1,
      rejectedByReason: { ...emptyCounts().rejectedByReason, processing_error: 1 },
    });
  });

  it('a refused event changes no state: a copy of it is refused again, not a duplicate', () => {
    const again = impression({ id: 'imp-poison', time: T0 + 1, offset: '3' });
    const outcome = runBatch([...records, again], { stageEncodings: [choking('imp-poison')] });
    expect(outcome.duplicates).toHaveLength(0);
    expect(outcome.rejections.map((r) => r.source.offset)).toEqual(['1', '3']);
  });

  it('a refused impression is no touch: a click after it is credited to nothing of it', () => {
    const clicked = click({ id: 'clk-1', time: T0 + MINUTE_MS, impressionId: 'imp-poison' });
    const batch = [impression({ id: 'imp-poison', time: T0 }), clicked];
    const touchOf = (outcome: ReturnType<typeof runBatch>) =>
      outcome.attributions.map((a) => a.touch?.eventId);
    expect(touchOf(runBatch(batch, { endOfInput: true }))).toEqual(['imp-poison']);
    const refused = runBatch(batch, { stageEncodings: [choking('imp-poison')], endOfInput: true });
    expect(touchOf(refused)).toEqual([undefined]);
  });

  it('tries only accepted events: duplicates and rejections never reach an encoder', () => {
    const seen: string[] = [];
    const spy: StageEncoding = { stage: 'spy', encode: (e) => seen.push(e.eventId) };
    runBatch(
      [
        impression({ id: 'imp-1', time: T0 }),
        impression({ id: 'imp-1', time: T0 }),
        impression({ id: '', time: T0 }),
      ],
      { stageEncodings: [spy] },
    );
    expect(seen).toEqual(['imp-1']);
  });

  it('decides the same on a replay: the encoders are pure functions of the event', () => {
    const options = { stageEncodings: [choking('imp-poison')] };
    expect(runBatch(records, options).events).toEqual(runBatch(records, options).events);
  });

  it('names the first stage that refuses the event', () => {
    const later: StageEncoding = { ...choking('imp-poison'), stage: 'ad_events Avro encoding' };
    const outcome = runBatch(records, {
      stageEncodings: [{ stage: 'staging', encode: () => 'fine' }, later, choking('imp-poison')],
    });
    expect(outcome.rejections[0]?.rejection.detail).toMatch(/^ad_events Avro encoding threw/);
  });
});
