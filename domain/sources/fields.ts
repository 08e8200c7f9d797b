import { z } from 'zod';
import { DEVICE_TYPES } from '../ad-event';

/**
 * 1..max characters, none of them control characters (they are how log injection and broken CSV
 * exports start). One anchored regex per field: zod runs each chained check as a separate step,
 * and identifiers are most of every record, so this is the cheapest exact form of the rule.
 */
export const identifier = (maxLength: number) =>
  z
    .string()

    .regex(new RegExp(`^[^\\u0000-\\u001f\\u007f]{1,${maxLength}}$`), {
      error: `must be 1 to ${maxLength} printable characters`,
    });

export const countryCode = z.string().regex(/^[A-Z]{2}$/);

export const deviceType = z.enum(DEVICE_TYPES);

/** Largest money amount accepted: 1e12 micros = one million units; anything above is a unit error. */
export const MAX_MICROS = 1_000_000_000_000;
export const micros = z.number().int().min(0).max(MAX_MICROS);

/** Epoch ms or ISO-8601; parsed to epoch ms by parseEventTime during normalization. */
export const timestampField = z.union([z.string().max(40), z.number().int()]);
