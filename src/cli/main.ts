#!/usr/bin/env node
import { runCli } from './cli-program';
import { accessCommand } from './commands/access';
import { auditCommand } from './commands/audit';
import { lineageCommand } from './commands/lineage';
import { migrateCommand } from './commands/migrate';
import { produceCommand } from './commands/produce';
import { rebuildCommand } from './commands/rebuild';
import { reportCommand } from './commands/report';
import { serveCommand } from './commands/serve';

/** `adx`: one line per command. Each command file holds its options, examples and run(). */
void runCli(process.argv, [
  serveCommand,
  produceCommand,
  migrateCommand,
  reportCommand,
  lineageCommand,
  auditCommand,
  rebuildCommand,
  accessCommand,
]);
