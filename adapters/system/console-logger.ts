import type { Logger } from '../../ports';

/** One line per message on stderr, so stdout stays clean for reports and --json output. */
export class ConsoleLogger implements Logger {
  constructor(private readonly json = false) {}

  info(message: string, fields?: Record<string, unknown>): void {
    this.write('info', message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.write('warn', message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.write('error', message, fields);
  }

  private write(level: string, message: string, fields?: Record<string, unknown>): void {
    const at = new Date().toISOString();
    if (this.json) {
      process.stderr.write(`${JSON.stringify({ at, level, message, ...fields })}\n`);
      return;
    }
    const extra = fields
      ? ` ${Object.entries(fields)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ')}`
      : '';
    process.stderr.write(`${at} ${level.padEnd(5)} ${message}${extra}\n`);
  }
}
