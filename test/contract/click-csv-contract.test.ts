/**
 * The click/conversion CSV spec cannot be registered (a registry knows Avro, JSON Schema and
 * Protobuf), so its evolution rule is checked here instead: a CSV line has no field names, only
 * positions, so a later version may only append columns, and appended columns must be optional;
 * a reader of version N then reads every earlier line with the appended columns empty.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { contractPath, readContract } from '../../adapters/codecs/contract-files';
import { CLICK_COLUMNS_V1, CLICK_COLUMNS_V2 } from '../../domain/sources/click-row';

interface CsvColumn {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
}
interface CsvSpec {
  readonly version: number;
  readonly delimiter: string;
  readonly header: boolean;
  readonly columns: readonly CsvColumn[];
}

const DIR = 'clicks';
const files = readdirSync(dirname(contractPath(`${DIR}/click-conversion.v1.csv.json`)))
  .filter((f) => /^click-conversion\.v\d+\.csv\.json$/.test(f))
  .sort((a, b) => Number(/v(\d+)/.exec(a)?.[1]) - Number(/v(\d+)/.exec(b)?.[1]));
const specs = files.map((f) => JSON.parse(readContract(`${DIR}/${f}`)) as CsvSpec);
/** each version with the one before it */
const steps = specs.slice(1).map((spec, i) => [specs[i] as CsvSpec, spec] as const);

it('keeps a version history: v1, v2, ... without gaps', () => {
  expect(specs.length).toBeGreaterThanOrEqual(2);
  expect(specs.map((s) => s.version)).toEqual(specs.map((_, i) => i + 1));
});

it.each(steps.map(([before, after]) => [before.version, after.version, before, after]))(
  'v%i → v%i: the columns of the earlier version come first, unchanged, in order',
  (_from, _to, before, after) => {
    expect(after.columns.slice(0, before.columns.length)).toEqual(before.columns);
    expect(after.columns.length).toBeGreaterThan(before.columns.length);
    expect({ delimiter: after.delimiter, header: after.header }).toEqual({
      delimiter: before.delimiter,
      header: before.header,
    });
  },
);

it.each(steps.map(([before, after]) => [before.version, after.version, before, after]))(
  'v%i → v%i: every appended column is optional',
  (_from, _to, before, after) => {
    const appended = after.columns.slice(before.columns.length);
    expect(appended.filter((c) => c.required).map((c) => c.name)).toEqual([]);
  },
);

it('column names are unique in every version', () => {
  for (const spec of specs) {
    expect(new Set(spec.columns.map((c) => c.name)).size).toBe(spec.columns.length);
  }
});

it('the domain reads the columns the contract files name, by position', () => {
  expect(specs[0]?.columns.map((c) => c.name)).toEqual([...CLICK_COLUMNS_V1]);
  expect(specs[1]?.columns.map((c) => c.name)).toEqual([...CLICK_COLUMNS_V2]);
});
