import {
  COMPATIBILITY,
  SchemaRegistry as ConfluentClient,
  SchemaType as ClientSchemaType,
} from '@kafkajs/confluent-schema-registry';
import type { Compatibility, RegisteredSchema, SchemaRegistry, SchemaType } from '../../ports';

export interface RegistryConnection {
  /** base URL of a Confluent-compatible API, e.g. http://127.0.0.1:8081/apis/ccompat/v7 */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** A registry answer other than success; `status` is the HTTP status (409: incompatible). */
export class SchemaRegistryError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'SchemaRegistryError';
  }
}

/** the registry's error message, when its body has one */
function messageOf(json: unknown): string {
  const message = (json as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : JSON.stringify(json);
}

/** AVRO is the wire default and is left out, as Confluent's own clients do */
const typed = (schema: string, schemaType: SchemaType): Record<string, string> =>
  schemaType === 'AVRO' ? { schema } : { schemaType, schema };

/**
 * The SchemaRegistry port over any Confluent-compatible registry (Confluent, Apicurio's ccompat
 * API, Karapace). Registration goes through @kafkajs/confluent-schema-registry; the calls that
 * client does not cover (config, compatibility, schema text by id) use the same REST API.
 * Schemas by id are immutable, so they are cached for good; a miss is not cached, because an
 * unknown id may be registered a moment later.
 */
export class ConfluentSchemaRegistry implements SchemaRegistry {
  private readonly client: ConfluentClient;
  private readonly byId = new Map<number, string>();
  private readonly headers: Record<string, string>;

  constructor(private readonly connection: RegistryConnection) {
    const auth =
      connection.username !== undefined
        ? { username: connection.username, password: connection.password ?? '' }
        : undefined;
    this.client = new ConfluentClient({
      host: connection.url,
      ...(auth ? { auth } : {}),
      retry: { retries: 3 },
    });
    this.headers = {
      accept: CONTENT_TYPE,
      'content-type': CONTENT_TYPE,
      ...(auth
        ? {
            authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
          }
        : {}),
    };
  }

  private async call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${this.connection.url}${path}`, {
      method,
      headers: this.headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: response.status, json };
  }

  /**
   * Avro goes through the client, which also checks the schema parses. JSON Schema goes straight to
   * the REST API: the client compiles JSON schemas with its own Ajv, which knows no 2020-12 drafts,
   * and the registry is the judge of a JSON schema anyway.
   */
  async register(
    subject: string,
    schema: string,
    schemaType: SchemaType = 'AVRO',
  ): Promise<number> {
    const id =
      schemaType === 'AVRO'
        ? await this.registerAvro(subject, schema)
        : await this.registerRest(subject, schema, schemaType);
    this.byId.set(id, schema);
    return id;
  }

  private async registerAvro(subject: string, schema: string): Promise<number> {
    // the client refuses to register unless told the subject's level, so it is looked up first
    const compatibility = (await this.levelOf(subject)) as COMPATIBILITY;
    try {
      const { id } = await this.client.register(
        { type: ClientSchemaType.AVRO, schema },
        { subject, compatibility },
      );
      return id;
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      if (typeof status === 'number')
        throw new SchemaRegistryError(
          `schema registry: registering under ${subject} answered ${status}: ${(error as Error).message}`,
          status,
        );
      throw error;
    }
  }

  private async registerRest(
    subject: string,
    schema: string,
    schemaType: SchemaType,
  ): Promise<number> {
    const { status, json } = await this.call(
      'POST',
      `/subjects/${encodeURIComponent(subject)}/versions`,
      typed(schema, schemaType),
    );
    const id = (json as { id?: unknown } | undefined)?.id;
    if (status !== 200 || typeof id !== 'number') {
      throw new SchemaRegistryError(
        `schema registry: registering under ${subject} answered ${status}: ${messageOf(json)}`,
        status,
      );
    }
    return id;
  }

  async schemaById(id: number): Promise<string | undefined> {
    const cached = this.byId.get(id);
    if (cached !== undefined) return cached;
    const { status, json } = await this.call('GET', `/schemas/ids/${id}`);
    if (status === 404) return undefined;
    if (status !== 200)
      throw new Error(`schema registry: GET /schemas/ids/${id} answered ${status}`);
    const schema = (json as { schema?: string }).schema;
    if (typeof schema !== 'string') return undefined;
    this.byId.set(id, schema);
    return schema;
  }

  async latest(subject: string): Promise<RegisteredSchema | undefined> {
    const { status, json } = await this.call(
      'GET',
      `/subjects/${encodeURIComponent(subject)}/versions/latest`,
    );
    if (status === 404) return undefined;
    if (status !== 200)
      throw new Error(`schema registry: latest version of ${subject} answered ${status}`);
    const v = json as { id: number; version: number; schema: string };
    return { id: v.id, subject, version: v.version, schema: v.schema };
  }

  /** the subject's level, else the registry's global one */
  private async levelOf(subject: string): Promise<string> {
    for (const path of [`/config/${encodeURIComponent(subject)}`, '/config']) {
      const { status, json } = await this.call('GET', path);
      const level = (json as { compatibilityLevel?: string } | undefined)?.compatibilityLevel;
      if (status === 200 && level) return level;
    }
    return 'BACKWARD';
  }

  async setCompatibility(subject: string, level: Compatibility): Promise<void> {
    const { status } = await this.call('PUT', `/config/${encodeURIComponent(subject)}`, {
      compatibility: level,
    });
    if (status !== 200)
      throw new Error(`schema registry: setting ${level} on ${subject} answered ${status}`);
  }

  /**
   * Checked against every registered version, each with the subject's own level: a registry's
   * single-version endpoint alone would not show a transitive violation.
   */
  async isCompatible(
    subject: string,
    schema: string,
    schemaType: SchemaType = 'AVRO',
  ): Promise<boolean> {
    const s = encodeURIComponent(subject);
    const versions = await this.call('GET', `/subjects/${s}/versions`);
    if (versions.status === 404) return true;
    if (versions.status !== 200)
      throw new Error(`schema registry: versions of ${subject} answered ${versions.status}`);
    const level = await this.levelOf(subject);
    const list = versions.json as number[];
    const against = level.endsWith('_TRANSITIVE') ? list : list.slice(-1);
    for (const version of against) {
      const path = `/compatibility/subjects/${s}/versions/${version}`;
      const check = await this.call('POST', path, typed(schema, schemaType));
      if (check.status !== 200) {
        throw new SchemaRegistryError(
          `schema registry: compatibility check answered ${check.status}: ${messageOf(check.json)}`,
          check.status,
        );
      }
      if (!(check.json as { is_compatible?: boolean }).is_compatible) return false;
    }
    return true;
  }
}
