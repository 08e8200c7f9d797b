/**
 * illFormedText answers from an allocation-free check for the common record and builds a path
 * only for one holding ill-formed text; decodeImpressionJson skips its depth scan when the
 * document has few brackets. Both shortcuts are compared here with the plain rule.
 */
import fc from 'fast-check';
import { decodeImpressionJson, MAX_JSON_DEPTH } from '../../adapters/codecs/json-impression';
import { illFormedText } from '../../domain';

const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** every string and key of a value, in document order */
function* texts(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* texts(v);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      yield k;
      yield* texts(v);
    }
}

function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value !== null && typeof value === 'object')
    return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

const nested = (value: unknown, levels: number): unknown => {
  let v = value;
  for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { k: v };
  return v;
};

// strings of any UTF-16 code units, lone surrogates included
const text = fc.string({ unit: 'binary' });
const payload = fc
  .tuple(fc.jsonValue({ maxDepth: 4 }), text, fc.nat(80))
  .map(([v, s, levels]) => nested([v, s], levels));

describe('illFormedText', () => {
  it('refuses a payload exactly when one of its strings or keys holds a lone surrogate', () => {
    fc.assert(
      fc.property(payload, (value) => {
        const bad = [...texts(value)].some((t) => LONE.test(t));
        expect(illFormedText(value) !== undefined).toBe(bad);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('decodeImpressionJson nesting bound', () => {
  it('refuses a document exactly when it nests deeper than the limit', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.nat(MAX_JSON_DEPTH + 20), (v, levels) => {
        const document = nested(v, levels);
        const result = decodeImpressionJson(Buffer.from(JSON.stringify(document)));
        const refused = !result.ok && result.rejection.detail.includes('nests deeper');
        expect(refused).toBe(depthOf(document) > MAX_JSON_DEPTH);
      }),
      { numRuns: 500 },
    );
  });

  it('counts brackets inside strings as text, not nesting', () => {
    const document = { impression_id: '['.repeat(200) + '{'.repeat(200) };
    expect(decodeImpressionJson(Buffer.from(JSON.stringify(document))).ok).toBe(true);
  });
});
