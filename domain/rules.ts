import { z } from 'zod';
import { DAY_MS, HOUR_MS } from './event-time';

/**
 * The tunable rules of the domain: windows, lateness, retention, limits. They are data so that
 * lineage can record them (config hash) and tests can vary them.
 */
export const pipelineRulesSchema = z.object({
  /** dedupe: a repeated (eventType, eventId) within this much event time is a duplicate */
  dedupeRetentionMs: z
    .number()
    .int()
    .positive()
    .default(7 * DAY_MS),
  /** watermark = max event time seen in the partition minus this */
  allowedLatenessMs: z
    .number()
    .int()
    .nonnegative()
    .default(10 * 60_000),
  /** a click is joined to the latest impression at or before it within this window */
  clickLookbackMs: z.number().int().positive().default(DAY_MS),
  /** a conversion is attributed to the last click within this window ... */
  conversionClickWindowMs: z
    .number()
    .int()
    .positive()
    .default(7 * DAY_MS),
  /** ... else view-through to the latest impression within this one (0 disables view-through) */
  viewThroughWindowMs: z.number().int().nonnegative().default(DAY_MS),
  /** which click wins when several are in the window */
  conversionModel: z.enum(['last_click', 'first_click']).default('last_click'),
  /** records larger than this are rejected as too_large before they are parsed */
  maxRecordBytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  /** event times further than this ahead of processing time are invalid (clock or unit errors) */
  maxFutureSkewMs: z.number().int().nonnegative().default(HOUR_MS),
});

export type PipelineRules = z.infer<typeof pipelineRulesSchema>;

export function pipelineRules(overrides: Partial<PipelineRules> = {}): PipelineRules {
  return pipelineRulesSchema.parse(overrides);
}

/** Bumped whenever a rule's meaning changes, so lineage can tell results of different rule sets apart. */
export const RULES_VERSION = 1;
