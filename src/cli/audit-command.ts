import { auditConservation } from '../../adapters/lineage/audit-queries';
import type { AppConfig } from '../config/config';
import { withReadWarehouse } from './cli-warehouse';
import { UsageError } from './exit-codes';
import type { LineageResult } from './lineage-command';
import { parseReportDate } from './option-parsers';

export interface ConservationOptions {
  readonly from?: string;
  readonly to?: string;
  readonly json?: boolean;
}

/**
 * `adx audit conservation`: per batch and per topic-partition, received = accepted + rejected +
 * duplicates, the fact rows of the batch = accepted, and its stopped records (rejected or
 * duplicate, kept per record) = rejected + duplicates. Exit code 1 on any mismatch.
 */
export async function conservation(
  config: AppConfig,
  options: ConservationOptions = {},
): Promise<LineageResult> {
  const range = {
    ...(options.from ? { from: parseReportDate(options.from, '--from') } : {}),
    ...(options.to ? { to: parseReportDate(options.to, '--to') } : {}),
  };
  if (range.from !== undefined && range.to !== undefined && range.to <= range.from)
    throw new UsageError('--to must be after --from');
  return withReadWarehouse(config, 'adx audit', async (knex) => {
    const r = await auditConservation(knex, range);
    const exitCode = r.conserved ? 0 : 1;
    if (options.json) return { output: JSON.stringify(r), exitCode };
    const lines = [
      `${r.batches} batches, ${r.partitions.length} topic-partitions: ${r.conserved ? 'conserved' : `${r.mismatches.length} MISMATCHED batch(es)`}`,
      ...r.partitions.map(
        (p) =>
          `  ${p.conserved ? 'ok      ' : 'MISMATCH'} ${p.topic}/${p.partition}: ${p.batches} batches received=${p.received} accepted=${p.accepted} rejected=${p.rejected} duplicates=${p.duplicates} loaded=${p.loadedRows}`,
      ),
      ...r.mismatches.map(
        (m) =>
          `  MISMATCH batch ${m.batchId} (${m.topic}/${m.partition}/${m.firstOffset}-${m.lastOffset}): received=${m.received} accepted=${m.accepted} rejected=${m.rejected} duplicates=${m.duplicates} loaded=${m.loadedRows} stopped=${m.stoppedRecords ?? '-'}`,
      ),
    ];
    return { output: lines.join('\n'), exitCode };
  });
}
