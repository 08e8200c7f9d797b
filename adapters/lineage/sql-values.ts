/** Values as Postgres drivers return them (bigint as text, timestamps as Date) made plain. */
export const num = (v: unknown): number | null =>
  v === null || v === undefined ? null : Number(v);
export const str = (v: unknown): string | null =>
  v === null || v === undefined ? null : String(v);
export const iso = (v: unknown): string | null =>
  v === null || v === undefined ? null : new Date(v as string).toISOString();
