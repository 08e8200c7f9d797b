import { CommanderError } from 'commander';
import { ConfigError } from '../config/config-error';
import { EXIT, UsageError, type ExitCode } from './exit-codes';

export interface Failure {
  readonly exitCode: ExitCode;
  /** for stderr; absent when commander has already said it */
  readonly message?: string;
}

/** ADX_DEBUG=1: stack traces and library warnings, for a bug report. */
export const debugWanted = (): boolean => process.env.ADX_DEBUG === '1';

/** The text of an error, also for the ones Node leaves without a message (AggregateError). */
export function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message) return error.message;
  if (error instanceof AggregateError && error.errors.length > 0)
    return [...new Set(error.errors.map(messageOf))].join('; ');
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name;
}

/**
 * How an error that ended a command is shown: one plain message, no stack trace, unless
 * ADX_DEBUG=1 asks for one. `command` is the command path, e.g. `adx lineage trace`.
 */
export function describeFailure(error: unknown, command: string, debug: boolean): Failure {
  const stack = debug && error instanceof Error && error.stack ? `\n${error.stack}` : '';
  if (error instanceof CommanderError) {
    // help, --version, or a usage error commander has already printed
    return error.exitCode === 0
      ? { exitCode: EXIT.ok }
      : { exitCode: EXIT.usage, ...(stack ? { message: stack.trimStart() } : {}) };
  }
  if (error instanceof UsageError)
    return {
      exitCode: EXIT.usage,
      message: `${command}: ${error.message}\n(${command} --help shows the usage and examples)${stack}`,
    };
  if (error instanceof ConfigError)
    return { exitCode: EXIT.usage, message: `${command}: ${error.message}${stack}` };
  return {
    exitCode: EXIT.failed,
    message: `${command}: ${messageOf(error)}${stack || '\n(ADX_DEBUG=1 shows the stack trace)'}`,
  };
}
