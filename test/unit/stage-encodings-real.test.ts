/**
 * The encoders the service wires into processBatch (container.ts, STAGE_ENCODINGS) are the stages'
 * own: what they refuse is what the stage would have thrown on for the whole batch, and what they
 * take is byte for byte what the stage writes.
 */
import { adEventEncoding, adEventValue } from '../../adapters/kafka/ad-event-record';
import {
  csvChunks,
  EVENT_STAGE_COLUMNS,
  EVENT_STAGE_ENCODING,
} from '../../adapters/warehouse/stage-rows';
import type { AdEvent } from '../../domain/ad-event';
import { vetAcceptedEvent } from '../../domain/validate-record';
import { adEventType } from '../../src/contracts/ad-event-type';
import { STAGED_EVENT_ENCODING } from '../../src/pipeline/staging';
import { impression, runBatch, T0 } from '../support/domain-fixtures';

const type = adEventType();
const encodings = [STAGED_EVENT_ENCODING, adEventEncoding(type), EVENT_STAGE_ENCODING];
const accepted = (): AdEvent => {
  const [event] = runBatch([impression({ id: 'imp-1', time: T0 })]).accepted;
  if (!event) throw new Error('the fixture impression was not accepted');
  return event;
};

describe('the stages’ own per-event encoders', () => {
  it('take every event validation accepts', () => {
    expect(vetAcceptedEvent(accepted(), encodings)).toBeUndefined();
  });

  it('ad_events: an amount Avro cannot write as a long is refused, naming the stage', () => {
    const event = { ...accepted(), costMicros: 1.5 };
    expect(vetAcceptedEvent(event, [adEventEncoding(type)])).toMatchObject({
      reason: 'processing_error',
      detail: expect.stringMatching(/^ad_events Avro encoding threw Error: invalid "long"/),
    });
  });

  it('staging and the warehouse row: a time no Date can hold is refused', () => {
    const event = { ...accepted(), eventTime: 9e15 };
    expect(vetAcceptedEvent(event, [STAGED_EVENT_ENCODING])?.detail).toBe(
      'staging threw RangeError: Invalid time value',
    );
    expect(vetAcceptedEvent(event, [EVENT_STAGE_ENCODING])?.detail).toBe(
      'warehouse stage row threw RangeError: Invalid time value',
    );
  });

  it('what the warehouse encoder tried is the line the load copies in', () => {
    const event = accepted();
    expect([...csvChunks([event], EVENT_STAGE_COLUMNS)]).toEqual([
      EVENT_STAGE_ENCODING.encode(event),
    ]);
  });

  it('what the ad_events encoder tried is the body published behind the framing', () => {
    const event = accepted();
    const tried = adEventEncoding(type).encode(event) as Buffer;
    const published = adEventValue(7, type, event);
    expect(published.subarray(5)).toEqual(tried);
    expect([published[0], published.readInt32BE(1)]).toEqual([0, 7]);
    // and it is the Avro record itself, decodable as the event
    expect(type.fromBuffer(tried)).toMatchObject({ event_id: event.eventId });
  });

  it('an event is encoded once for the try and the stage, not twice', () => {
    const event = accepted();
    const tried = adEventEncoding(type).encode(event) as Buffer;
    expect(adEventEncoding(type).encode(event)).toBe(tried);
    expect(EVENT_STAGE_ENCODING.encode(event)).toBe(EVENT_STAGE_ENCODING.encode(event));
  });
});

describe('the ad_events type', () => {
  it('is one compiled instance, so the tried body is the published one', () => {
    expect(adEventType()).toBe(adEventType());
  });
});
