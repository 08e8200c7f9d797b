/**
 * The ObjectStore conformance suite against S3ObjectStore on the local S3 server (S3Proxy from
 * ops/stack.sh up, or whatever S3_ENDPOINT names). The run gets its own bucket, created through
 * ensureBucket(); every test empties it afterwards and the bucket is dropped at the end, so runs
 * never see each other's objects and leave nothing behind.
 */
import { S3ObjectStore } from '../../adapters/s3/s3-object-store';
import { dropBucket, emptyBucket, requireS3, testS3Config, uniqueBucket } from '../support/s3';
import { objectStoreConformance } from './suites/object-store.suite';

const bucket = uniqueBucket('conf-objects');
const store = new S3ObjectStore(testS3Config(bucket));
let bucketReady: Promise<void> | undefined;

beforeAll(async () => {
  await requireS3();
}, 30_000);

afterAll(async () => {
  await dropBucket(store.client, bucket);
  store.close();
}, 120_000);

objectStoreConformance('s3 (S3ObjectStore)', async () => {
  bucketReady ??= store.ensureBucket();
  await bucketReady;
  return { store, cleanup: () => emptyBucket(store.client, bucket) };
});
