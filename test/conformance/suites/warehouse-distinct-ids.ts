import fc from 'fast-check';
import { decodeImpressionJson } from '../../../adapters/codecs/json-impression';
import type { AdEvent, Attribution } from '../../../domain';
import {
  initialPipelineState,
  isWellFormedText,
  pipelineRules,
  processBatch,
} from '../../../domain';
import type { CampaignMetrics, Warehouse, WarehouseBatch } from '../../../ports';
import { SLOW_MS } from '../support/conformance-kit';

const HOUR = 3_600_000;
/** hour-aligned, like the rest of the warehouse suite */
const T = Date.UTC(2026, 10, 26, 6);

/** what the warehouse suite's test in progress offers this property */
export interface DistinctIdsContext {
  readonly warehouse: Warehouse;
  readonly run: string;
  readonly batch: (id: string, events: AdEvent[], attributions?: Attribution[]) => WarehouseBatch;
  readonly metricsOf: (campaignId: string) => Promise<CampaignMetrics>;
}

/** Part of the Warehouse conformance suite (warehouse.suite.ts), called inside its describe. */
export function itKeepsDistinctIdsDistinct(context: () => DistinctIdsContext): void {
  /**
   * Distinct ids must stay distinct rows: PGlite once stored ids with lone surrogates as U+FFFD,
   * collapsing distinct accepted events into one row. Ids are drawn from all of Unicode plus
   * look-alikes (composed and decomposed, ligatures, case, zero-width, U+FFFD itself, lone
   * surrogates); they go through the JSON codec and the domain, and every accepted one must be
   * counted once by the warehouse. Rejected ones must be exactly those that are not text.
   */
  it(
    'keeps distinct accepted event ids distinct through load (property)',
    async () => {
      const { warehouse, run, batch, metricsOf } = context();
      const tricky = ['\u00e9', 'e\u0301', '\ufb01', 'fi', 'A', 'a', '\u{1f600}', '\ufffd'];
      const traps = [...tricky, 'x\u200b', 'x', ' x', 'x ', 'i\ud800', 'i\ud801', 'i\udc00'];
      const drawnIds = fc.uniqueArray(
        fc.oneof(
          fc.string({ unit: 'binary', minLength: 1, maxLength: 24 }),
          fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
          fc.constantFrom(...traps),
        ),
        { minLength: 1, maxLength: 40 },
      );
      let round = 0;
      await fc.assert(
        fc.asyncProperty(drawnIds, async (drawn) => {
          round++;
          const campaignId = `${run}-ids-${round}`;
          const ids = [...new Set([...drawn, ...traps])];
          const records = ids.map((id, i) => ({
            kind: 'impression' as const,
            source: {
              topic: 'impressions',
              partition: 0,
              offset: String(i),
              format: 'json' as const,
            },
            sizeBytes: 100,
            payload: decodeImpressionJson(
              Buffer.from(
                JSON.stringify({
                  impression_id: `${campaignId}:${id}`,
                  timestamp: T,
                  user_id: 'user-1',
                  campaign_id: campaignId,
                  ad_id: 'ad-1',
                  publisher_id: 'pub-1',
                  win_price_micros: 1,
                }),
              ),
            ),
          }));
          const outcome = processBatch(initialPipelineState(pipelineRules()), records, T + HOUR);
          // rejected: exactly the ids that are not text, or hold control characters
          const notText = (id: string) =>
            !isWellFormedText(id) || [...id].some((c) => c.charCodeAt(0) < 0x20 || c === '\x7f');
          const rejected = new Set(outcome.rejections.map((r) => Number(r.source.offset)));
          expect(records.map((_, i) => rejected.has(i))).toEqual(ids.map(notText));
          for (const r of outcome.rejections) expect(r.rejection.reason).toBe('invalid_value');
          expect(outcome.duplicates).toEqual([]);
          await warehouse.loadBatch(batch(`ids-${round}`, outcome.accepted));
          expect((await metricsOf(campaignId)).impressions).toBe(outcome.accepted.length);
        }),
        { numRuns: 8 },
      );
    },
    SLOW_MS * 3,
  );
}
