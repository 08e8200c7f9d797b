import { appendFile } from 'node:fs/promises';
import type { DatasetNamespaces } from './dataset-namespaces';
import { RunEventSink, type RunEvent } from './openlineage';

/** Appends one run event per line to a file (ADX_OPENLINEAGE_FILE). */
export class NdjsonOpenLineageSink extends RunEventSink {
  constructor(
    private readonly path: string,
    now: () => number = Date.now,
    private readonly onError: (error: unknown) => void = () => {},
    namespaces?: DatasetNamespaces,
  ) {
    super(now, namespaces);
  }

  async emit(event: RunEvent): Promise<void> {
    try {
      await appendFile(this.path, `${JSON.stringify(event)}\n`);
    } catch (error) {
      this.onError(error);
    }
  }
}
