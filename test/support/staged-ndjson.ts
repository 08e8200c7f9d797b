import { gunzipSync } from 'node:zlib';

/** A staged object's gzip NDJSON body as its rows; every line, the last included, ends in \n. */
export function stagedNdjsonRows(body: Uint8Array): unknown[] {
  const text = gunzipSync(body).toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
}
