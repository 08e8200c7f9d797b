import { isUtf8 } from 'node:buffer';

/**
 * Where a record's bad bytes are. Buffer#toString would quietly turn invalid UTF-8 into U+FFFD, so
 * two distinct ids could arrive as one: the codecs refuse such text, and say in which field it is,
 * the way the Avro bounds walk does for Avro strings. Only records that fail the whole-record
 * isUtf8 check come here, so the common path pays nothing.
 *
 * The payload is read as Latin-1 (one char per byte, so nothing is lost and every JSON or CSV
 * delimiter, all ASCII, stays where it was) and each string is then checked as UTF-8 bytes.
 */
const bytesOf = (latin1: string): Buffer => Buffer.from(latin1, 'latin1');

export const isUtf8Text = (latin1: string): boolean => isUtf8(bytesOf(latin1));

/** back to what the producer meant, once the bytes are known to be UTF-8 */
export const fromLatin1 = (latin1: string): string => bytesOf(latin1).toString('utf8');

const join = (path: string, key: string | number): string =>
  path ? `${path}.${key}` : String(key);

/**
 * The path of the first string (value or object key) in a JSON value parsed from Latin-1 whose
 * bytes are not UTF-8: `{ path, inKey }`, or undefined when every string is UTF-8. Iterative, so
 * a deeply nested document cannot exhaust the stack.
 */
export function firstInvalidUtf8(value: unknown): { path: string; inKey: boolean } | undefined {
  const stack: { value: unknown; path: string }[] = [{ value, path: '' }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop() as { value: unknown; path: string };
    if (typeof v === 'string') {
      if (!isUtf8Text(v)) return { path, inKey: false };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: join(path, i) });
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      for (const key of keys) if (!isUtf8Text(key)) return { path, inKey: true };
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        stack.push({ value: (v as Record<string, unknown>)[key], path: join(path, key) });
      }
    }
  }
  return undefined;
}
