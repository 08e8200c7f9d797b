import { Command } from 'commander';
import type { AppConfig } from '../config/config';
import { CODE_VERSION } from '../version';
import { debugWanted, describeFailure, type Failure } from './cli-failure';
import type { CommandExample, CommandSpec } from './command-spec';
import { EXIT } from './exit-codes';

const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  the answer is "no": an audit mismatch, a rebuilt state that differs, an id or batch
     not found
  2  usage or configuration: a bad option or variable, a warehouse missing or not migrated,
     ADX_HTTP_PORT in use
  3  failed while running: a service it needs failed (ADX_DEBUG=1 shows the stack trace)`;

function examplesHelp(examples: readonly CommandExample[]): string {
  return `\nExamples:\n${examples.map((e) => `  # ${e.what}\n  $ ${e.run}`).join('\n')}\n`;
}

function exitWith(failure: Failure): never {
  if (failure.message) process.stderr.write(`${failure.message}\n`);
  // stdout and stderr are synchronous for files and pipes on Linux, so nothing written is lost
  process.exit(failure.exitCode);
}

let config: Promise<AppConfig> | undefined;
/** loaded only by commands that need it: zod and the schema are most of a read command's start-up */
const loadConfigOnce = (): Promise<AppConfig> =>
  (config ??= import('../config/config').then((m) => m.loadConfig()));

/** What every command shares: --version, --help, how usage errors read, no process.exit inside. */
function configure(command: Command, path: string): Command {
  return command
    .exitOverride()
    .version(`adx ${CODE_VERSION}`, '-V, --version', 'print the version of adx')
    .helpOption('-h, --help', 'show this help, with examples')
    .showHelpAfterError(`(${path} --help shows the usage and examples)`)
    .showSuggestionAfterError()
    .configureOutput({
      outputError: (text, write) => write(text.replace(/^error: /, `${path}: `)),
    });
}

function addCommand(parent: Command, spec: CommandSpec, parentPath: string): void {
  const command = parent.command(spec.name);
  const path = `${parentPath} ${command.name()}`;
  configure(command, path).summary(spec.summary).description(spec.description);
  spec.define?.(command);
  if (spec.json) command.option('--json', spec.json);
  command.addHelpText('after', examplesHelp(spec.examples));
  for (const sub of spec.subcommands ?? []) addCommand(command, sub, path);
  if (!spec.run) return;
  command.action(async (...received: unknown[]) => {
    const self = received[received.length - 1] as Command;
    const options = self.opts();
    try {
      const result = await spec.run?.({
        args: self.processedArgs as (string | undefined)[],
        options,
        json: options.json === true,
        config: loadConfigOnce,
      });
      if (result?.output !== undefined) process.stdout.write(`${result.output}\n`);
      process.exitCode = result?.exitCode ?? EXIT.ok;
    } catch (error) {
      exitWith(describeFailure(error, path, debugWanted()));
    }
  });
}

/** The `adx` program: the shared behaviour, then each command in the order given. */
export function buildProgram(commands: readonly CommandSpec[]): Command {
  const program = configure(new Command('adx'), 'adx')
    .description(
      'AdvertiseX ad-event pipeline: run the service, feed it, and query the warehouse and its lineage',
    )
    .addHelpText(
      'after',
      `${examplesHelp([
        { run: 'adx serve --events 200000', what: 'the embedded demo: 200,000 simulated records' },
        { run: 'adx report --help', what: 'the options and examples of one command' },
      ])}\n${EXIT_CODES_HELP}\n`,
    );
  for (const spec of commands) addCommand(program, spec, 'adx');
  return program;
}

/** Runs `adx` on argv; every way out goes through one exit code (README "Exit codes"). */
export async function runCli(argv: readonly string[], commands: readonly CommandSpec[]) {
  try {
    await buildProgram(commands).parseAsync([...argv]);
  } catch (error) {
    exitWith(describeFailure(error, 'adx', debugWanted()));
  }
}
