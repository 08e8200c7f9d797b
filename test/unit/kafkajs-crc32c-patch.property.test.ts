/**
 * The patched kafkajs CRC32C (patches/: @node-rs/crc32, in hardware) is kafkajs's own: the table
 * walk it replaced, which the patch leaves in place as crc32C/crc32C.js, made unsigned as kafkajs
 * did. Every record batch the publisher sends carries this checksum, and the broker refuses a
 * batch whose checksum is wrong; the produce-patch test cannot tell, since its reference batches
 * go through the same module.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's internals have no types */
import fc from 'fast-check';

const patched = require('kafkajs/src/protocol/recordBatch/crc32C') as (buffer: Buffer) => number;
const tableWalk = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C') as (
  buffer: Buffer,
) => number;
const reference = (buffer: Buffer): number => tableWalk(buffer) >>> 0;

describe("kafkajs's CRC32C, patched", () => {
  it('is the check value of the CRC-32C (Castagnoli) standard', () => {
    expect(patched(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(patched(Buffer.alloc(0))).toBe(0);
  });

  it('equals the table walk it replaced on any bytes, at any offset into a shared buffer', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 5000 }),
        fc.nat(64),
        fc.nat(64),
        (bytes, before, after) => {
          // a subarray of a larger buffer, as kafkajs's encoders hand it over
          const whole = Buffer.alloc(before + bytes.length + after, 0xa5);
          whole.set(bytes, before);
          const view = whole.subarray(before, before + bytes.length);
          expect(patched(view)).toBe(reference(view));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('equals it on a full batch of 2,000 records (about 300 KB)', () => {
    const batch = Buffer.alloc(300_000);
    for (let i = 0; i < batch.length; i++) batch[i] = (i * 2_654_435_761) >>> 24;
    expect(patched(batch)).toBe(reference(batch));
  });
});
