import type { Knex } from 'knex';
import { describeLogin, GROUP_ROLES, schemaPowers } from '../../adapters/postgres/access-roles';
import type { Logger } from '../../ports';
import { ConfigError, type AppConfig } from '../config/config';

/**
 * The service writes the warehouse as adx_loader and nothing more (README "Access control"). A
 * login that is a superuser, has elevated attributes, is a member of anything else, owns objects of
 * the schema or may create them is logged as a warning at start; with ADX_REQUIRE_LOADER_LOGIN=true
 * the service refuses to start.
 */
export async function checkServiceLogin(
  knex: Knex | undefined,
  config: AppConfig,
  logger: Logger,
): Promise<void> {
  if (!knex || config.warehouse.kind !== 'postgres') return;
  const login = await describeLogin(knex);
  const powers = await schemaPowers(knex);
  const problems = [
    ...(powers.owns ? ['owns tables or views of the warehouse'] : []),
    ...(powers.creates ? ['may create objects in its schema'] : []),
    ...(login.superuser ? ['is a superuser'] : []),
    ...(login.elevated.length > 0 ? [`has ${login.elevated.join(', ')}`] : []),
    ...(login.memberOf.join() !== GROUP_ROLES.loader
      ? [`is a member of ${login.memberOf.join(', ') || 'nothing'}, not only ${GROUP_ROLES.loader}`]
      : []),
  ];
  if (problems.length === 0) return;
  const message = `the service's database login ${login.login} ${problems.join(' and ')}: give DATABASE_URL a login that is only a member of ${GROUP_ROLES.loader} (adx access create-login <name> --role loader)`;
  if (config.requireLoaderLogin)
    throw new ConfigError(`invalid configuration:\n  DATABASE_URL: ${message}`);
  logger.warn(message, {});
}
