import { encodedOnce, type AdEvent } from '../../../domain';

const event = (eventId: string): AdEvent =>
  ({ eventId, eventType: 'impression', eventTime: 0 }) as unknown as AdEvent;

describe('encodedOnce', () => {
  it('encodes an event once, however often the try and the stage ask', () => {
    const calls: string[] = [];
    const line = encodedOnce((e) => {
      calls.push(e.eventId);
      return `line ${e.eventId}`;
    });
    const a = event('a');
    const b = event('a'); // equal, but another event: encoded on its own
    expect([line(a), line(a), line(b), line(a)]).toEqual(['line a', 'line a', 'line a', 'line a']);
    expect(calls).toEqual(['a', 'a']);
  });

  it('keeps nothing of an encoder that threw: the next ask throws again', () => {
    let calls = 0;
    const line = encodedOnce((): string => {
      calls++;
      throw new RangeError('Invalid time value');
    });
    const e = event('x');
    expect(() => line(e)).toThrow(RangeError);
    expect(() => line(e)).toThrow(RangeError);
    expect(calls).toBe(2);
  });

  it('two encoders keep their results apart', () => {
    const upper = encodedOnce((e) => e.eventId.toUpperCase());
    const twice = encodedOnce((e) => e.eventId + e.eventId);
    const e = event('ab');
    expect([upper(e), twice(e), upper(e)]).toEqual(['AB', 'abab', 'AB']);
  });
});

describe('encodedOnce, bounded', () => {
  it('keeps results for recent events only, and still answers for old ones', () => {
    let calls = 0;
    const line = encodedOnce((e) => {
      calls++;
      return e.eventId;
    });
    const first = event('first');
    line(first);
    const many = Array.from({ length: 20_000 }, (_, i) => event(`e${i}`));
    for (const e of many) line(e);
    expect(calls).toBe(20_001);
    line(many[many.length - 1] as AdEvent); // recent: kept
    expect(calls).toBe(20_001);
    expect(line(first)).toBe('first'); // long gone: encoded again, the same
    expect(calls).toBe(20_002);
  });
});
