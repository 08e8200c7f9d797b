import fc from 'fast-check';
import { decodeClickLine, encodeClickRow } from '../../adapters/codecs';
import { reasonOf, valueOf } from '../support/codec-fixtures';

describe('CSV click rows', () => {
  it('decodes quoted fields (RFC 4180)', () => {
    const line = Buffer.from('click,"id,1","say ""hi""",,"multi\nline"');
    expect(valueOf(decodeClickLine(line))).toEqual([
      'click',
      'id,1',
      'say "hi"',
      '',
      'multi\nline',
    ]);
  });

  it('accepts one trailing line break, CRLF or LF', () => {
    expect(valueOf(decodeClickLine(Buffer.from('a,b\r\n')))).toEqual(['a', 'b']);
    expect(valueOf(decodeClickLine(Buffer.from('a,b\n')))).toEqual(['a', 'b']);
  });

  it('leaves column counts to the domain', () => {
    expect(valueOf(decodeClickLine(Buffer.from('a,b,c')))).toEqual(['a', 'b', 'c']);
  });

  it.each([
    ['two records in one', 'a,b\nc,d'],
    ['an unclosed quote', 'click,"id,1'],
    ['a quote inside an unquoted field', 'click,id"1,x'],
    ['nothing', ''],
    ['only a line break', '\n'],
  ])('rejects %s as corrupt_payload', (_name, text) => {
    expect(reasonOf(decodeClickLine(Buffer.from(text)))).toBe('corrupt_payload');
  });

  it('rejects invalid UTF-8 as invalid_value, at the column it is in', () => {
    const fields = ['click', 'clk-1', '2026-11-26T00:00:00Z', 'user-1', 'cmp-1', '', '', '', ''];
    const line = Buffer.concat([
      Buffer.from(fields.slice(0, 3).join(',') + ',user-'),
      Buffer.from([0xff]),
      Buffer.from(',' + fields.slice(4).join(',')),
    ]);
    const payload = decodeClickLine(line);
    expect(payload.ok === false && payload.rejection).toEqual({
      reason: 'invalid_value',
      path: 'user_id',
      detail: 'user_id is not valid UTF-8',
    });
    expect(reasonOf(decodeClickLine(Buffer.from([0x61, 0x2c, 0xff, 0x62])))).toBe('invalid_value');
  });

  it('reads UTF-8 text byte for byte when another field is fine: no U+FFFD anywhere', () => {
    const payload = decodeClickLine(Buffer.from('click,clk-é,2026-11-26T00:00:00Z,usér,cmp-1'));
    expect(payload.ok && payload.value).toEqual([
      'click',
      'clk-é',
      '2026-11-26T00:00:00Z',
      'usér',
      'cmp-1',
    ]);
  });

  const hostile = [
    'plain',
    '',
    ' padded ',
    'comma, inside',
    'quote " inside',
    '"fully quoted"',
    'new\nline',
    'carriage\rreturn',
    'crlf\r\nin the middle',
    'tab\tand\u0001control\u0007chars\u0000',
    "Robert'); DROP TABLE fact_click;--",
    '=HYPERLINK("http://evil")',
    'emoji 📰🚀 and ünïcødé',
    '\ufeffbom at start',
    '\\backslash\\',
  ];

  it('carries hostile strings through encodeClickRow and back', () => {
    const fields = hostile;
    expect(valueOf(decodeClickLine(encodeClickRow(fields)))).toEqual(fields);
  });

  it('round-trips any row of two or more fields (property)', () => {
    const field = fc.string({ unit: 'binary', maxLength: 20 });
    fc.assert(
      fc.property(fc.array(field, { minLength: 2, maxLength: 12 }), (fields) => {
        expect(valueOf(decodeClickLine(encodeClickRow(fields)))).toEqual(fields);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary bytes (property)', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc
        .string({ unit: fc.constantFrom('a', ',', '"', '\r', '\n', ' ') })
        .map((s) => Buffer.from(s)),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        const out = decodeClickLine(b);
        if (out.ok) expect(Array.isArray(out.value)).toBe(true);
        else expect(['corrupt_payload', 'invalid_value']).toContain(out.rejection.reason);
        // text that is not UTF-8 is refused, never passed on mangled
        if (out.ok && !Buffer.from(b).includes(Buffer.from('\ufffd')))
          for (const f of out.value as string[]) expect(f).not.toContain('\ufffd');
      }),
      { numRuns: 2000 },
    );
  });
});
