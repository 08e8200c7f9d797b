import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository's contracts/ folder, found from here whether running from src/ or dist/src/. */
export function contractsDir(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'contracts', 'bid-requests'))) return join(dir, 'contracts');
    if (dirname(dir) === dir) throw new Error(`contracts/ not found above ${from}`);
  }
}

export function readContract(relativePath: string): string {
  return readFileSync(join(contractsDir(), relativePath), 'utf8');
}

/** Registry subjects follow TopicNameStrategy: <topic>-value. */
export const valueSubject = (topic: string): string => `${topic}-value`;

export const BID_REQUEST_SCHEMAS = ['bid-requests/bid-request.v1.avsc', 'bid-requests/bid-request.v2.avsc'] as const;
export const AD_EVENT_SCHEMAS = ['ad-events/ad-event.v1.avsc', 'ad-events/ad-event.v2.avsc'] as const;
