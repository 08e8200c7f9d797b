/**
 * The bounds walk names where a refused value sits: the dotted path of record fields, array and
 * map items by their index. The path is only built when a value is refused, so these outcomes are
 * what tells that the walk still knows where it is after nested records, arrays, maps and unions.
 */
import { Type } from 'avsc';
import { checkAvroBody } from '../../adapters/codecs/avro-bounds';

const writer = Type.forSchema({
  type: 'record',
  name: 'Outer',
  fields: [
    { name: 'id', type: 'string' },
    {
      name: 'slots',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'Slot',
          fields: [
            { name: 'size', type: 'int' },
            { name: 'tags', type: { type: 'map', values: ['null', 'string'] } },
          ],
        },
      },
    },
    { name: 'note', type: ['null', 'string'] },
  ],
});

const good = {
  id: 'req-1',
  slots: [
    { size: 1, tags: {} },
    { size: 2, tags: { a: 'x', b: 'yyyy' } },
  ],
  note: 'näive ✓',
};

const body = (value: unknown): Buffer => writer.toBuffer(value);

describe('the Avro bounds walk', () => {
  it('accepts a well-formed nested body, non-ASCII text included', () => {
    expect(checkAvroBody(writer, body(good), 0)).toEqual({ ok: true });
  });

  it('names a map value inside an array item inside a record by its indexes', () => {
    const bytes = body(good);
    const at = bytes.indexOf(Buffer.from('yyyy'));
    bytes[at + 2] = 0xff;
    expect(checkAvroBody(writer, bytes, 0)).toEqual({
      ok: false,
      reason: 'invalid_value',
      path: 'slots.1.tags.1',
      detail: 'slots.1.tags.1 is not valid UTF-8',
    });
  });

  it('finds bad UTF-8 after ASCII and after valid multi-byte characters', () => {
    const bytes = body(good);
    const at = bytes.indexOf(Buffer.from('✓'));
    bytes[at + 1] = 0x41; // a continuation byte replaced by ASCII: the ✓ is cut
    expect(checkAvroBody(writer, bytes, 0)).toMatchObject({
      reason: 'invalid_value',
      path: 'note',
    });
  });

  it('names the map, not an item, when a key length overruns, and the field after an array', () => {
    const bytes = body({ ...good, slots: [{ size: 1, tags: { k: null } }] });
    const keyLength = bytes.indexOf(Buffer.from('k')) - 1;
    bytes[keyLength] = 0x7e; // 63 bytes of key, more than are left
    expect(checkAvroBody(writer, bytes, 0)).toMatchObject({
      ok: false,
      reason: 'corrupt_payload',
      path: 'slots.0.tags',
      detail: expect.stringMatching(
        /^map key length 63 at slots\.0\.tags exceeds the \d+ bytes left$/,
      ),
    });
    const noteBranch = body({ ...good, slots: [] });
    noteBranch[noteBranch.length - 1 - Buffer.byteLength(good.note) - 1] = 0x06; // branch 3
    expect(checkAvroBody(writer, noteBranch, 0)).toEqual({
      ok: false,
      reason: 'corrupt_payload',
      path: 'note',
      detail: 'union index 3 at note names no branch',
    });
  });

  it('refuses a truncated body at the value it was reading, and bytes left over at the root', () => {
    const bytes = body(good);
    expect(checkAvroBody(writer, bytes.subarray(0, bytes.length - 3), 0)).toMatchObject({
      ok: false,
      reason: 'corrupt_payload',
      path: 'note',
    });
    expect(checkAvroBody(writer, Buffer.concat([bytes, Buffer.from([0])]), 0)).toEqual({
      ok: false,
      reason: 'corrupt_payload',
      path: '',
      detail: '1 bytes after the Avro body',
    });
  });

  it('refuses an array block claiming more items than bytes left, at the array', () => {
    const bytes = body({ id: 'r', slots: [], note: null });
    // id "r" is 0x02 0x72; the empty array's 0 block count follows: claim 100 items instead
    bytes[2] = 0xc8;
    const out = Buffer.concat([bytes.subarray(0, 3), Buffer.from([0x01]), bytes.subarray(3)]);
    expect(checkAvroBody(writer, out, 0)).toMatchObject({
      ok: false,
      reason: 'corrupt_payload',
      path: 'slots',
      detail: expect.stringMatching(/^block of 100 items at slots exceeds the \d+ bytes left$/),
    });
  });
});
