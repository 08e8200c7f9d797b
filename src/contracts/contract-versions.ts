import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { BID_REQUEST_CONTRACTS } from '../../adapters/codecs/bid-request-avro';
import { readContract } from '../../adapters/codecs/contract-files';
import { AD_EVENT_SCHEMAS } from './contract-files';

const latest = (files: readonly string[]): string => files[files.length - 1] as string;

/**
 * The wire contract each source and output is read or written under by this build: what the
 * validators and codecs implement, so lineage can say which contract a batch was judged by.
 */
export const IMPLEMENTED_CONTRACTS = {
  impressions: 'impressions/impression.v2.schema.json',
  clicks: 'clicks/click-conversion.v2.csv.json',
  'bid-requests': latest(BID_REQUEST_CONTRACTS),
  'ad-events': latest(AD_EVENT_SCHEMAS),
  'dead-letter': 'dead-letter/dead-letter.v2.schema.json',
} as const;

/**
 * `contract.<stream>` → `<name>.v<N>@<sha256 prefix>`: the version names the contract, the hash
 * catches a file edited without a version bump.
 */
export function contractVersions(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(IMPLEMENTED_CONTRACTS).map(([stream, file]) => {
      const version = basename(file).replace(/\.(schema\.json|csv\.json|avsc)$/, '');
      const hash = createHash('sha256').update(readContract(file)).digest('hex').slice(0, 12);
      return [`contract.${stream}`, `${version}@${hash}`];
    }),
  );
}
