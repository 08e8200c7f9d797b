import { Option } from 'commander';
// cheap to load: the module's only import at run time is the SCRAM verifier (node:crypto)
import { LOGIN_KINDS, type LoginKind } from '../../../adapters/postgres/access-roles';
import { defineCommand } from '../command-spec';

/** The access functions (and the roles they know), loaded only once an access command runs. */
const accessFunctions = () => import('../access-command');

const createLogin = defineCommand<{ readonly role: LoginKind }>({
  name: 'create-login <login>',
  summary: 'create or update a login that is a member of exactly one access role',
  description:
    'create or update a login that is a member of exactly one access role (loader: the service; ' +
    'analyst: adx report; auditor: adx lineage and adx audit; owner: migrations), with an ' +
    "admin's DATABASE_URL. The password comes from ADX_LOGIN_PASSWORD, never the command line",
  examples: [
    {
      run: 'ADX_LOGIN_PASSWORD=… adx access create-login adx_service --role loader',
      what: 'the login the service uses',
    },
  ],
  define(command) {
    command.addOption(
      new Option('--role <role>', 'what the login is for')
        .choices([...LOGIN_KINDS])
        .makeOptionMandatory(),
    );
  },
  async run({ args, options, config }) {
    const { createLogin: create } = await accessFunctions();
    const password = process.env.ADX_LOGIN_PASSWORD || undefined;
    return { output: await create(await config(), args[0] as string, options.role, password) };
  },
});

const whoami = defineCommand({
  name: 'whoami',
  summary: 'the login DATABASE_URL names and the roles it is a member of',
  description:
    'the login DATABASE_URL names, the one access role it is a member of, and anything more',
  examples: [{ run: 'adx access whoami', what: 'is the service only adx_loader?' }],
  async run({ config }) {
    const { whoami: describe } = await accessFunctions();
    return { output: await describe(await config()) };
  },
});

export const accessCommand = defineCommand({
  name: 'access',
  summary: 'database logins for the access roles',
  description: 'database logins for the access roles, managed with the DATABASE_URL of an admin',
  examples: [
    { run: 'adx access whoami', what: 'the roles of the current login' },
    { run: 'adx access create-login --help', what: 'how to create one' },
  ],
  subcommands: [createLogin, whoami],
});
