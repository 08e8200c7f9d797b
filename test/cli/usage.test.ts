import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adx, ROOT, STACK_LINE } from './support/adx';

/** --help, --version, --json and usage errors of every command: nothing here needs a warehouse. */
const VERSION = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

const COMMANDS = [
  [],
  ['serve'],
  ['produce'],
  ['migrate'],
  ['report'],
  ['lineage'],
  ['lineage', 'batch'],
  ['lineage', 'trace'],
  ['lineage', 'dataset'],
  ['audit'],
  ['rebuild'],
];
/** the commands that print data, so they take --json */
const PRINTS_DATA = COMMANDS.filter((c) => c.length > 0 && c.join(' ') !== 'lineage');

describe('adx --help and --version', () => {
  it.each(COMMANDS.map((c) => [c.join(' ') || '(none)', c]))(
    '%s --help: usage and at least one example on stdout, exit 0',
    async (_name, command) => {
      const r = await adx([...command, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: ${['adx', ...command].join(' ')} `));
      expect(r.stdout).toContain('Examples:');
      expect(r.stdout).toMatch(
        new RegExp(`^  \\$ (\\S+=\\S+ )*${['adx', ...command].join(' ')}`, 'm'),
      );
      expect(r.stderr).toBe('');
    },
  );

  it.each(COMMANDS.map((c) => [c.join(' ') || '(none)', c]))(
    '%s --version prints the version, exit 0',
    async (_name, command) => {
      const r = await adx([...command, '--version']);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`adx ${VERSION}\n`);
    },
  );

  it.each(PRINTS_DATA.map((c) => [c.join(' '), c]))('%s takes --json', async (_name, command) => {
    const r = await adx([...command, '--help']);
    expect(r.stdout).toMatch(/^ {2}--json +\S/m);
  });

  it('the top-level help lists every command and the exit codes', async () => {
    const r = await adx(['--help']);
    for (const name of ['serve', 'produce', 'migrate', 'report', 'lineage', 'audit', 'rebuild'])
      expect(r.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(r.stdout).toContain('Exit codes:');
    expect(r.stdout).toMatch(/^ {2}1 {2}the answer is "no"/m);
    expect(r.stdout).toMatch(/^ {2}2 {2}usage or configuration/m);
  });
});

describe('usage errors exit 2 with one clear message and no stack trace', () => {
  const cases: [string, string[], RegExp][] = [
    ['no command', [], /^Usage: adx /m],
    ['an unknown command', ['bogus'], /^adx: unknown command 'bogus'/m],
    [
      'a mistyped option',
      ['report', '--from', '2026-11-01', '--to', '2026-12-01', '--fro', 'x'],
      /unknown option '--fro'\n\(Did you mean --from\?\)/,
    ],
    [
      'a month 13',
      ['report', '--from', '2026-13-01', '--to', '2026-12-01'],
      /^adx report: option '--from <date>' argument '2026-13-01' is invalid\. expected a day YYYY-MM-DD/m,
    ],
    [
      'a day that does not exist',
      ['report', '--from', '2026-02-30', '--to', '2026-03-01'],
      /argument '2026-02-30' is invalid/,
    ],
    [
      'an instant without a zone',
      ['report', '--from', '2026-11-01T10:00', '--to', '2026-12-01'],
      /argument '2026-11-01T10:00' is invalid/,
    ],
    [
      '--to before --from',
      ['report', '--from', '2026-12-01', '--to', '2026-11-01'],
      /^adx report: --to must be after --from$/m,
    ],
    ['report without --to', ['report', '--from', '2026-11-01'], /required option '--to <date>'/],
    [
      'lineage trace with no id',
      ['lineage', 'trace'],
      /^adx lineage trace: give an event id, or --source topic\/partition\/offset$/m,
    ],
    [
      'lineage trace --source without an offset',
      ['lineage', 'trace', '--source', 'clicks/0'],
      /^adx lineage trace: option '--source <topic\/partition\/offset>' argument 'clicks\/0' is invalid/m,
    ],
    [
      'lineage trace with an id and --source',
      ['lineage', 'trace', 'clk-1', '--source', 'clicks/0/1'],
      /give an event id or --source, not both/,
    ],
    [
      'lineage dataset of a table that is not a fact table',
      ['lineage', 'dataset', 'fact_nope'],
      /'fact_nope' is invalid for argument 'table'\. Allowed choices are fact_impression, fact_click, fact_conversion, fact_bid_request/,
    ],
    [
      'lineage dataset with a bad --date',
      ['lineage', 'dataset', 'fact_click', '--date', '26-11-2026'],
      /option '--date <date>' argument '26-11-2026' is invalid/,
    ],
    ['lineage with no subcommand', ['lineage'], /^Usage: adx lineage /m],
    [
      'migrate with an unknown action',
      ['migrate', 'sideways'],
      /Allowed choices are up, down, status/,
    ],
    ['migrate up --all', ['migrate', 'up', '--all'], /^adx migrate: --all goes with down only$/m],
    ['audit of an unknown check', ['audit', 'everything'], /Allowed choices are conservation/],
    [
      'audit with --to before --from',
      ['audit', 'conservation', '--from', '2026-12-01', '--to', '2026-11-01'],
      /^adx audit: --to must be after --from$/m,
    ],
    ['produce with nothing to send', ['produce'], /^adx produce: nothing to send/m],
  ];

  it.each(cases)('%s', async (_name, args, message) => {
    const r = await adx(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stdout).toBe('');
  });

  it('a bad variable exits 2 naming it, for read commands too', async () => {
    const r = await adx(['report', '--from', '2026-11-01', '--to', '2026-12-01'], {
      DATABASE_URL: 'mysql://somewhere',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('DATABASE_URL: expected a postgres:// URL');
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('ADX_DEBUG=1 adds the stack trace', async () => {
    const r = await adx(['report', '--from', '2026-12-01', '--to', '2026-11-01'], {
      ADX_DEBUG: '1',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('adx report: --to must be after --from');
    expect(r.stderr).toMatch(STACK_LINE);
  });
});
