import { rejection, type Rejection } from './rejection';

/**
 * Text is Unicode text in every format. A JSON string can spell a lone UTF-16 surrogate
 * (`"imp-1\ud800"`), which is no character at all: Postgres, PGlite and every UTF-8 encoder turn it
 * into U+FFFD, so two distinct accepted ids would become one row and an event would be lost.
 * So any string of a payload, wherever it sits, holding a lone surrogate makes the record
 * invalid_value at that field's path. (Invalid UTF-8 never gets this far: the codecs refuse it at
 * the field's path, the same way.) No normalization is applied: the id a producer sent is the id
 * that is stored, byte for byte.
 */
/** String.prototype.isWellFormed (ES2024, Node ≥ 20): native, and no regex per string */
interface WellFormedQuery {
  isWellFormed(): boolean;
}

export const isWellFormedText = (text: string): boolean =>
  (text as unknown as WellFormedQuery).isWellFormed();

/** past this depth the check leaves the verdict to the iterative walk, which needs no stack */
const RECURSION_LIMIT = 32;

/** whether every string and key is well formed: no allocation, for the common all-good record */
function allWellFormed(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return isWellFormedText(value);
  if (value === null || typeof value !== 'object') return true;
  if (depth === 0) return false;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) if (!allWellFormed(item, depth - 1)) return false;
    return true;
  }
  for (const key of Object.keys(value)) {
    if (!isWellFormedText(key)) return false;
    if (!allWellFormed((value as Record<string, unknown>)[key], depth - 1)) return false;
  }
  return true;
}

const join = (path: string, key: string | number): string =>
  path ? `${path}.${key}` : String(key);

/**
 * The first string (or object key) in a decoded payload that is not well-formed Unicode, as a
 * rejection; undefined when all text is well formed. The path is built only for a record that has
 * one; the walk that finds it is iterative, so nesting depth costs no stack.
 */
export function illFormedText(payload: unknown): Rejection | undefined {
  if (allWellFormed(payload, RECURSION_LIMIT)) return undefined;
  const stack: { value: unknown; path: string }[] = [{ value: payload, path: '' }];
  while (stack.length > 0) {
    const { value, path } = stack.pop() as { value: unknown; path: string };
    if (typeof value === 'string') {
      if (!isWellFormedText(value))
        return rejection('invalid_value', path, `${path || 'text'} holds a lone UTF-16 surrogate`);
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--)
        stack.push({ value: value[i], path: join(path, i) });
    } else if (value !== null && typeof value === 'object') {
      const keys = Object.keys(value);
      for (const key of keys)
        if (!isWellFormedText(key))
          return rejection(
            'invalid_value',
            path,
            `a field name in ${path || 'the record'} holds a lone UTF-16 surrogate`,
          );
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        stack.push({ value: (value as Record<string, unknown>)[key], path: join(path, key) });
      }
    }
  }
  return undefined;
}
