import {
  describeLogin,
  ensureLogin,
  LOGIN_KINDS,
  type LoginDescription,
  type LoginKind,
} from '../../adapters/postgres/access-roles';
import { ConfigError, type AppConfig } from '../config/config';
import { withReadWarehouse } from './cli-warehouse';

export { LOGIN_KINDS };

const describe = (d: LoginDescription): string =>
  `login ${d.login}: member of ${d.memberOf.join(', ') || 'nothing'}` +
  (d.superuser ? ', SUPERUSER' : '') +
  (d.elevated.length > 0 ? `, ${d.elevated.join(', ')}` : '');

/**
 * `adx access create-login <login> --role loader|analyst|auditor|owner`, run with an admin's
 * DATABASE_URL (CREATEROLE; for owner, the schema's owner too). The password comes from
 * ADX_LOGIN_PASSWORD, never from the command line (argv is visible to every local user).
 */
export async function createLogin(
  config: AppConfig,
  login: string,
  kind: LoginKind,
  password: string | undefined,
): Promise<string> {
  if (!config.warehouse.databaseUrl)
    throw new ConfigError('invalid configuration:\n  DATABASE_URL: required by adx access');
  return withReadWarehouse(
    config,
    'adx access',
    async (knex) => {
      const d = await ensureLogin(knex, { login, kind, ...(password ? { password } : {}) });
      return `${describe(d)}${password ? ' (password set)' : ' (password unchanged)'}`;
    },
    { migrated: false },
  );
}

/** `adx access whoami`: the login DATABASE_URL names, and what it is a member of. */
export async function whoami(config: AppConfig): Promise<string> {
  return withReadWarehouse(
    config,
    'adx access',
    async (knex) => describe(await describeLogin(knex)),
    {
      migrated: false,
    },
  );
}
