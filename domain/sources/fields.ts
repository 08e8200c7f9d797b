import { z } from 'zod';
import { DEVICE_TYPES } from '../ad-event';

// Control characters in identifiers are how log injection and broken CSV exports start.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/;

export const identifier = (maxLength: number) => z.string().min(1).max(maxLength).regex(PRINTABLE);

export const countryCode = z.string().regex(/^[A-Z]{2}$/);

export const deviceType = z.enum(DEVICE_TYPES);

/** Largest money amount accepted: 1e12 micros = one million units; anything above is a unit error. */
export const MAX_MICROS = 1_000_000_000_000;
export const micros = z.number().int().min(0).max(MAX_MICROS);

/** Epoch ms or ISO-8601; parsed to epoch ms by parseEventTime during normalization. */
export const timestampField = z.union([z.string().max(40), z.number().int()]);
