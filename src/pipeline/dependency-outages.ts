import type { Logger, Metrics } from '../../ports';

interface Outage {
  readonly since: number;
  attempts: number;
}

/**
 * The dependencies that are down right now, as the units of work found them: one log line when an
 * outage starts and one when the dependency answers again, and what `/readyz` names meanwhile.
 */
export class DependencyOutages {
  private readonly current = new Map<string, Outage>();

  constructor(
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
    private readonly now: () => number = Date.now,
  ) {}

  /** a call found `dependency` down */
  failed(dependency: string, error: unknown): void {
    const outage = this.current.get(dependency);
    if (outage) {
      outage.attempts++;
      return;
    }
    this.current.set(dependency, { since: this.now(), attempts: 1 });
    this.metrics?.error('dependency_outage');
    this.logger.warn('dependency down: waiting it out', { dependency, error: String(error) });
  }

  /** a unit of work went through (or `dependency` answered): what it found down is back */
  recovered(dependency?: string): void {
    for (const [name, outage] of this.current) {
      if (dependency !== undefined && name !== dependency) continue;
      this.logger.info('dependency back', {
        dependency: name,
        downMs: this.now() - outage.since,
        attempts: outage.attempts,
      });
      this.current.delete(name);
    }
  }

  /** the dependencies down now, for readiness */
  down(): string[] {
    return [...this.current.keys()];
  }
}
