import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../config/duration';
import { UsageError } from './exit-codes';

/**
 * Parsers for option values, run by commander while it reads the command line, so a bad value is
 * a usage error (exit 2) before any work starts. Each throws InvalidArgumentError; commander
 * names the option in front of the message.
 */

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

/** a partition number: 0, 1, 2, ... */
export function partitionNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n > 2 ** 31 - 1)
    throw new InvalidArgumentError('expected a partition number (0, 1, 2, ...).');
  return n;
}

/** a duration like 90m, 3d, 12h or plain milliseconds, at least 1 ms */
export function durationMs(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms < 1)
    throw new InvalidArgumentError('expected a duration like 90m, 3d or milliseconds.');
  return ms;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** an ISO-8601 instant: a date, a time, and Z or an offset */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** YYYY-MM-DD as a real calendar day (2026-02-30 is not one) → its UTC midnight; else undefined. */
export function utcDay(text: string): number | undefined {
  const m = DAY.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  const real =
    back.getUTCFullYear() === year && back.getUTCMonth() === month - 1 && back.getUTCDate() === day;
  return real ? ms : undefined;
}

/** YYYY-MM-DD (UTC day start) or an ISO-8601 instant → epoch ms; else undefined. */
export function dayOrInstant(text: string): number | undefined {
  if (DAY.test(text)) return utcDay(text);
  if (!INSTANT.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) || utcDay(text.slice(0, 10)) === undefined ? undefined : ms;
}

/** The same check for code that gets the text later (the report and audit functions). */
export function parseReportDate(text: string, name: string): number {
  const ms = dayOrInstant(text);
  if (ms === undefined)
    throw new UsageError(
      `${name}: expected a day YYYY-MM-DD or an ISO-8601 instant (2026-11-01T06:00:00Z), got '${text}'`,
    );
  return ms;
}

/** For commander: checks the text and keeps it as given (the command functions take text). */
export function dayOrInstantText(text: string): string {
  if (dayOrInstant(text) === undefined)
    throw new InvalidArgumentError(
      'expected a day YYYY-MM-DD or an ISO-8601 instant such as 2026-11-01T06:00:00Z.',
    );
  return text;
}

export function dayText(text: string): string {
  if (utcDay(text) === undefined) throw new InvalidArgumentError('expected a day YYYY-MM-DD.');
  return text;
}

export interface KafkaCoordinates {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

const COORDINATES = /^(.+)\/(\d+)[/@](\d+)$/;

/** `clicks/1/61`, or `clicks/1@61` as the trace output prints it; else undefined. */
export function kafkaCoordinates(text: string): KafkaCoordinates | undefined {
  const m = COORDINATES.exec(text);
  if (!m) return undefined;
  return { topic: m[1] as string, partition: Number(m[2]), offset: m[3] as string };
}

export function kafkaCoordinatesText(text: string): string {
  if (!kafkaCoordinates(text))
    throw new InvalidArgumentError('expected topic/partition/offset, e.g. clicks/1/61.');
  return text;
}
