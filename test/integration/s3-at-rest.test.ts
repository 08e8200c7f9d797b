/**
 * S3 over HTTPS and encrypted at rest on the local stack: S3ObjectStore talks to S3Proxy's https
 * endpoint with the stack's CA (S3_CA_FILE), reads back what it wrote, and the files S3Proxy keeps
 * on disk hold no plaintext: neither the event ids of an NDJSON object nor anything a gunzip of a
 * staged .gz object would reveal. Without the CA the client refuses the endpoint.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { S3ObjectStore } from '../../adapters/s3/s3-object-store';
import { s3SettingsProblem } from '../../src/config/connection-problems';
import { dropBucket } from '../support/s3';
import { requireSecureStack, s3DataDir, s3HttpsConfig } from '../support/secure-stack';
import { uniqueRunName } from '../support/stack';

const bucket = uniqueRunName('at-rest');
const store = new S3ObjectStore(s3HttpsConfig(bucket));
const EVENT_IDS = Array.from({ length: 50 }, (_, i) => `imp-at-rest-${i}-${bucket}`);
const ndjson = Buffer.from(EVENT_IDS.map((eventId) => JSON.stringify({ eventId })).join('\n'));

/** every file under the bucket's directory on disk, relative path → bytes */
function rawFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path), readFileSync(path));
    }
  };
  walk(dir);
  return files;
}

beforeAll(async () => {
  await requireSecureStack(['s3']);
  await store.ensureBucket();
});

afterAll(async () => {
  await dropBucket(store.client, bucket);
  store.close();
});

it('round-trips objects over HTTPS, and what lands on disk is not the plaintext', async () => {
  await store.put(
    'staging/fact_impression/dt=2026-11-26/b-1.ndjson',
    ndjson,
    'application/x-ndjson',
  );
  const gz = gzipSync(ndjson);
  await store.put('staging/fact_impression/dt=2026-11-26/b-1.ndjson.gz', gz, 'application/gzip');
  expect(
    Buffer.from((await store.get('staging/fact_impression/dt=2026-11-26/b-1.ndjson'))!.body),
  ).toEqual(ndjson);
  expect(
    Buffer.from((await store.get('staging/fact_impression/dt=2026-11-26/b-1.ndjson.gz'))!.body),
  ).toEqual(gz);
  expect(await store.list('staging/')).toEqual([
    'staging/fact_impression/dt=2026-11-26/b-1.ndjson',
    'staging/fact_impression/dt=2026-11-26/b-1.ndjson.gz',
  ]);

  const files = rawFiles(join(s3DataDir(), bucket));
  // one encrypted file per object (S3Proxy's encrypted blob store appends .s3enc)
  expect([...files.keys()].sort()).toEqual([
    'staging/fact_impression/dt=2026-11-26/b-1.ndjson.gz.s3enc',
    'staging/fact_impression/dt=2026-11-26/b-1.ndjson.s3enc',
  ]);
  for (const [name, bytes] of files) {
    expect(bytes.length).toBeGreaterThanOrEqual(name.includes('.gz') ? gz.length : ndjson.length);
    const text = bytes.toString('latin1');
    for (const id of EVENT_IDS) expect(text).not.toContain(id);
    expect(text).not.toContain('eventId');
    expect(() => gunzipSync(bytes)).toThrow(); // the gzip object is not stored as gzip either
  }
});

it('lists more than a page of encrypted objects, each key once', async () => {
  // S3Proxy's encrypted store repeats a page's last key on the next page; list() must not
  const keys = Array.from({ length: 1003 }, (_, i) => `paged/${String(i).padStart(5, '0')}`);
  for (let i = 0; i < keys.length; i += 50)
    await Promise.all(keys.slice(i, i + 50).map((k) => store.put(k, Buffer.from(k), 'text/plain')));
  expect(await store.list('paged/')).toEqual(keys);
});

it('refuses the HTTPS endpoint without the CA, naming S3_CA_FILE', async () => {
  const { caFile: _, ...withoutCa } = s3HttpsConfig(bucket);
  const untrusting = new S3ObjectStore({ ...withoutCa, maxAttempts: 1 });
  try {
    const error = await untrusting.list('').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(error)).toMatch(/self-signed certificate in certificate chain/);
    expect(s3SettingsProblem(error, withoutCa.endpoint)?.message).toContain(
      'S3_CA_FILE: the S3 endpoint https://',
    );
  } finally {
    untrusting.close();
  }
});
