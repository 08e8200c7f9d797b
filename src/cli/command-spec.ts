import type { Command } from 'commander';
import type { AppConfig } from '../config/config';
import type { EXIT } from './exit-codes';

/** One line of a command's "Examples:" help. */
export interface CommandExample {
  /** the command line, starting with `adx` */
  readonly run: string;
  readonly what: string;
}

export interface CommandContext<O extends object> {
  /** positional arguments, as commander parsed them (undefined: an optional one not given) */
  readonly args: readonly (string | undefined)[];
  readonly options: O;
  /** --json was given: print the data as one JSON document */
  readonly json: boolean;
  /** the checked environment, loaded on first use; a bad variable is a ConfigError (exit 2) */
  config(): Promise<AppConfig>;
}

export interface CommandResult {
  /** printed on stdout, followed by a newline */
  readonly output?: string;
  /** 1 when the answer is "no" (a mismatch, not found); errors are thrown instead */
  readonly exitCode?: typeof EXIT.ok | typeof EXIT.no;
}

/**
 * A command of `adx`: what it is called, its options (commander's API), examples and what it
 * does. --help, --version, --json, error messages and exit codes come from cli-program.ts, so a
 * command file holds only what is its own. The module that does the work is imported inside
 * run(), so a command never loads what another one needs (start-up time).
 */
export interface CommandSpec<O extends object = object> {
  /** name and arguments in commander's syntax: `report`, `trace [eventId]`, `migrate <action>` */
  readonly name: string;
  /** one line, for the parent's list of commands */
  readonly summary: string;
  /** the full story, for this command's --help */
  readonly description: string;
  readonly examples: readonly [CommandExample, ...CommandExample[]];
  /** adds `--json` with this help text */
  readonly json?: string;
  /** options and arguments, with commander's own API */
  define?(command: Command): void;
  /** absent for a command that only groups subcommands */
  run?(context: CommandContext<O>): Promise<CommandResult | void>;
  readonly subcommands?: readonly CommandSpec[];
}

/** Types a command's options for its run(); the spec itself is returned unchanged. */
export function defineCommand<O extends object>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}
