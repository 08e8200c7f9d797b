/**
 * The id a rejected record claims, read from its payload, so `adx lineage trace <eventId>` can say
 * where an event that never loaded stopped.
 */
import {
  claimedEvent,
  type DecodedPayload,
  type SourceKind,
  type SourceRecord,
} from '../../../domain';

function record(kind: SourceKind, payload: DecodedPayload): SourceRecord {
  return {
    kind,
    payload,
    sizeBytes: 100,
    source: { topic: 't', partition: 0, offset: '1', format: 'json' },
  };
}
const ok = (value: unknown): DecodedPayload => ({ ok: true, value });
const CLICK_V1 = [
  'click',
  'clk-1',
  '2026-11-26T00:00:00Z',
  'u1',
  'cmp-1',
  'ad-1',
  'pub-1',
  'imp-1',
  '',
];

describe('claimedEvent', () => {
  it('reads the id field of each source, with its event type', () => {
    expect(claimedEvent(record('impression', ok({ impression_id: 'imp-9', user_id: 5 })))).toEqual({
      type: 'impression',
      id: 'imp-9',
    });
    expect(claimedEvent(record('bid_request', ok({ bid_request_id: 'br-3' })))).toEqual({
      type: 'bid_request',
      id: 'br-3',
    });
    expect(claimedEvent(record('click_or_conversion', ok(CLICK_V1)))).toEqual({
      type: 'click',
      id: 'clk-1',
    });
  });

  it('keeps the id of a CSV row whose event_type is unusable, without a type', () => {
    expect(
      claimedEvent(record('click_or_conversion', ok(['purchase', ...CLICK_V1.slice(1)]))),
    ).toEqual({ id: 'clk-1' });
  });

  it('claims nothing for an unreadable payload, a wrong shape, or an implausible id', () => {
    const unreadable: DecodedPayload = {
      ok: false,
      rejection: { reason: 'corrupt_payload', path: '', detail: 'x' },
    };
    expect(claimedEvent(record('impression', unreadable))).toBeUndefined();
    expect(claimedEvent(record('impression', ok(['imp-1'])))).toBeUndefined();
    expect(claimedEvent(record('impression', ok({ impression_id: 42 })))).toBeUndefined();
    expect(claimedEvent(record('impression', ok({ impression_id: 'has space' })))).toBeUndefined();
    expect(
      claimedEvent(record('impression', ok({ impression_id: 'x'.repeat(129) }))),
    ).toBeUndefined();
    expect(claimedEvent(record('impression', ok({ impression_id: 'bell\u0007' })))).toBeUndefined();
    expect(claimedEvent(record('click_or_conversion', ok(['click', 'clk-1'])))).toBeUndefined();
    expect(claimedEvent(record('bid_request', ok(null)))).toBeUndefined();
  });
});
