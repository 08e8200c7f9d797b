/**
 * Secrets at configuration time: URLs that carry credentials are refused (each with the variable
 * that carries them instead), and no refusal echoes the value it refused.
 */
import { ConfigError, loadConfig } from '../../src/config/config';

const SECRET = 'hunter2-s3cr3t';

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(Object.keys(env))}`);
}

describe('credentials in URLs are refused, naming the variable and its alternative', () => {
  it.each([
    ['SCHEMA_REGISTRY_URL', `http://user:${SECRET}@registry:8081`, 'SCHEMA_REGISTRY_PASSWORD'],
    ['S3_ENDPOINT', `http://key:${SECRET}@s3.local:9000`, 'S3_SECRET_ACCESS_KEY'],
    ['ADX_OPENLINEAGE_URL', `http://u:${SECRET}@marquez:5000`, 'ADX_OPENLINEAGE_API_KEY'],
    ['KAFKA_BROKERS', `user:${SECRET}@broker:9092`, 'no credentials'],
  ])('%s', (variable, value, hint) => {
    const message = refusal({ [variable]: value });
    expect(message).toContain(variable);
    expect(message).toContain(hint);
    expect(message).not.toContain(SECRET);
  });
});

it.each([
  ['ADX_PSEUDONYMIZATION_KEY', `${SECRET}-not-hex`],
  ['ADX_OPENLINEAGE_API_KEY', `${SECRET} with a space`],
  ['DATABASE_URL', `mysql://root:${SECRET}@db/x`],
])('a bad %s is refused without echoing it', (variable, value) => {
  const message = refusal({ [variable]: value });
  expect(message).toContain(variable);
  expect(message).not.toContain(SECRET);
});

it('a registry URL without credentials, and basic auth from its own variables, are accepted', () => {
  const config = loadConfig({
    SCHEMA_REGISTRY_URL: 'http://registry:8081/apis/ccompat/v7/',
    SCHEMA_REGISTRY_USERNAME: 'svc',
    SCHEMA_REGISTRY_PASSWORD: SECRET,
  });
  expect(config.registry).toMatchObject({ url: 'http://registry:8081/apis/ccompat/v7' });
});
