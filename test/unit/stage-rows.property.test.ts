/**
 * The CSV the load streams into COPY, read back by a CSV parser: every row, in order, in chunks of
 * the size asked, each cell what COPY will take (a quoted string stays a string however hostile,
 * an unquoted empty cell is NULL, booleans are t/f).
 */
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { csvChunks, stageLine, type StageColumn } from '../../adapters/warehouse/stage-rows';

interface Row {
  readonly text: string;
  readonly count: number | undefined;
  readonly flag: boolean;
}

const COLUMNS: readonly StageColumn<Row>[] = [
  { name: 'text', type: 'text', value: (r) => r.text },
  { name: 'count', type: 'bigint', value: (r) => r.count },
  { name: 'flag', type: 'boolean', value: (r) => r.flag },
];

const rows = fc.array(
  fc.record({
    // what CSV must escape (quotes, separators, line ends), often, beside any text at all
    text: fc.oneof(
      fc.string({ unit: fc.constantFrom('"', ',', '\n', '\r', ' ', 'a', '\\'), maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 12 }),
    ),
    count: fc.option(fc.integer(), { nil: undefined }),
    flag: fc.boolean(),
  }),
  { maxLength: 40 },
);

/** a cell as COPY reads it: unquoted and empty is NULL */
const readBack = (text: string): (string | undefined)[][] =>
  parse(text, {
    cast: (value, context) => (context.quoting || value !== '' ? value : undefined),
  }) as (string | undefined)[][];

const expected = (r: Row) => [
  r.text,
  r.count === undefined ? undefined : String(r.count),
  r.flag ? 't' : 'f',
];

describe('stage rows as COPY CSV', () => {
  it('csvChunks: the rows in order, rowsPerChunk lines a chunk, each cell read back as written', () => {
    fc.assert(
      fc.property(rows, fc.integer({ min: 1, max: 9 }), (input, rowsPerChunk) => {
        const chunks = [...csvChunks(input, COLUMNS, rowsPerChunk)];
        expect(chunks).toHaveLength(Math.ceil(input.length / rowsPerChunk));
        chunks.forEach((chunk, i) =>
          expect(readBack(chunk)).toHaveLength(
            Math.min(rowsPerChunk, input.length - i * rowsPerChunk),
          ),
        );
        expect(readBack(chunks.join(''))).toEqual(input.map(expected));
      }),
    );
  });

  it('stageLine: one line, ended by a newline, of the row’s cells', () => {
    fc.assert(
      fc.property(rows, (input) => {
        for (const row of input) {
          const line = stageLine(row, COLUMNS);
          expect(line.endsWith('\n')).toBe(true);
          expect(readBack(line)).toEqual([expected(row)]);
        }
      }),
    );
  });
});
