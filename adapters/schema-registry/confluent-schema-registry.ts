import {
  COMPATIBILITY,
  SchemaRegistry as ConfluentClient,
  SchemaType as ClientSchemaType,
} from '@kafkajs/confluent-schema-registry';
import { LRUCache } from 'lru-cache';
import type { Compatibility, RegisteredSchema, SchemaRegistry, SchemaType } from '../../ports';
import {
  dependencyPolicy,
  isNetworkError,
  type DependencyPolicy,
  type PolicySettings,
} from '../resilience/dependency-policy';

export interface RegistryConnection {
  /** base URL of a Confluent-compatible API, e.g. http://127.0.0.1:8081/apis/ccompat/v7 */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** overrides REGISTRY_POLICY (tests, special deployments) */
  readonly policy?: Partial<PolicySettings>;
  /** how long an id the registry did not know is answered from memory (default 10 s) */
  readonly negativeCacheMs?: number;
}

/**
 * Each registry call: 5 s per attempt, 4 attempts with jittered exponential pauses from 200 ms
 * (capped at 5 s), the breaker opens after 5 failed calls in a row and tries again after 10 s, at
 * most 16 calls in flight and 1000 waiting. A record batch waits for the registry only when it
 * holds a schema id not seen before, so these bound how long a batch can wait on a bad registry.
 */
export const REGISTRY_POLICY: PolicySettings = {
  attemptTimeoutMs: 5000,
  attempts: 4,
  backoff: { initialDelayMs: 200, maxDelayMs: 5000 },
  breakerFailures: 5,
  breakerCooldownMs: 10_000,
  bulkhead: { concurrency: 16, queue: 1000 },
};

export const DEFAULT_NEGATIVE_CACHE_MS = 10_000;
/** ids and (subject, id) pairs remembered; hostile records can name any of 2^32 ids */
const MAX_CACHED = 10_000;

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** The registry answered 5xx or 429: it is there but cannot serve, so the call is retried. */
class RegistryUnavailable extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'RegistryUnavailable';
  }
}

const UNREACHABLE =
  /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|EPIPE|UND_ERR_SOCKET|UND_ERR_CONNECT_TIMEOUT|other side closed)$/;

/**
 * the code (or message) of the innermost cause of a network failure; duck-typed, since fetch's
 * errors come from another realm under jest (instanceof Error is false there)
 */
function causeOf(error: unknown): string {
  let e: unknown = error;
  for (let depth = 0; depth < 8; depth++) {
    const like = e as { cause?: unknown; code?: unknown } | null;
    if (typeof like !== 'object' || like === null) break;
    if (typeof like.code === 'string') return like.code;
    if (like.cause === undefined) break;
    e = like.cause;
  }
  const message = (e as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(e);
}

const isTransient = (error: unknown): boolean => {
  if (error instanceof RegistryUnavailable || isNetworkError(error)) return true;
  // the Confluent client's errors carry the HTTP status, or name the socket error when there was
  // no answer; anything else (a schema it refuses to send) is final
  const e = (error ?? {}) as { status?: unknown; message?: unknown };
  if (typeof e.status === 'number' && e.status !== 400) return e.status === 429 || e.status >= 500;
  return (
    typeof e.message === 'string' &&
    /ECONN|ETIMEDOUT|EAI_AGAIN|EPIPE|socket|network/i.test(e.message)
  );
};

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

const memberKey = (subject: string, id: number): string => `${subject}\n${id}`;

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
 *
 * Every call goes through one DependencyPolicy (timeouts, retries, breaker, bulkhead). Schemas by
 * id are immutable and an id never leaves a subject, so hits are cached for good; a miss is
 * remembered for `negativeCacheMs` only, because the id may be registered a moment later, but long
 * enough that a stream of records naming unknown ids does not become a stream of registry calls.
 * Credentials never appear in a message: the URL carries none (config refuses them) and the
 * header is never printed.
 */
export class ConfluentSchemaRegistry implements SchemaRegistry {
  private readonly client: ConfluentClient;
  private readonly byId = new LRUCache<number, string>({ max: MAX_CACHED });
  /** `${subject}\n${id}` → true (member) for good, false (not a member, or unknown id) for a while */
  private readonly membership: LRUCache<string, boolean>;
  private readonly unknownIds: LRUCache<number, true>;
  private readonly headers: Record<string, string>;
  readonly policy: DependencyPolicy;

  constructor(private readonly connection: RegistryConnection) {
    this.policy = dependencyPolicy(
      'schema registry',
      { ...REGISTRY_POLICY, ...connection.policy },
      { isTransient },
    );
    const ttl = connection.negativeCacheMs ?? DEFAULT_NEGATIVE_CACHE_MS;
    this.membership = new LRUCache({ max: MAX_CACHED, ttl, ttlAutopurge: false });
    this.unknownIds = new LRUCache({ max: MAX_CACHED, ttl, ttlAutopurge: false });
    const auth =
      connection.username !== undefined
        ? { username: connection.username, password: connection.password ?? '' }
        : undefined;
    this.client = new ConfluentClient({
      host: connection.url,
      ...(auth ? { auth } : {}),
      // retries are the policy's, like every other call's
      retry: { retries: 0 },
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

  /** One REST call under the policy: 5xx and 429 are retried, every other answer is returned. */
  private call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    return this.policy.execute(async (signal) => {
      let response: Response;
      try {
        response = await fetch(`${this.connection.url}${path}`, {
          method,
          headers: this.headers,
          signal,
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
      } catch (error) {
        // fetch says only "fetch failed": name the registry and the cause (ECONNREFUSED, ...)
        if (signal.aborted || !isNetworkError(error)) throw error;
        const cause = causeOf(error);
        const message = `schema registry at ${new URL(this.connection.url).host}: cannot connect (${cause})`;
        // nobody answering is an outage to wait out; a TLS refusal is a setting to fix
        if (UNREACHABLE.test(cause)) throw new RegistryUnavailable(message, 0);
        throw new Error(message, { cause: error });
      }
      const text = await response.text();
      if (response.status === 429 || response.status >= 500)
        throw new RegistryUnavailable(
          `schema registry: ${method} ${path} answered ${response.status}`,
          response.status,
        );
      let json: unknown = undefined;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = text;
      }
      return { status: response.status, json };
    });
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
      const { id } = await this.policy.execute(() =>
        this.client.register({ type: ClientSchemaType.AVRO, schema }, { subject, compatibility }),
      );
      this.membership.set(memberKey(subject, id), true);
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
    this.membership.set(memberKey(subject, id), true);
    return id;
  }

  async schemaById(id: number): Promise<string | undefined> {
    const cached = this.byId.get(id);
    if (cached !== undefined) return cached;
    if (this.unknownIds.has(id)) return undefined;
    const { status, json } = await this.call('GET', `/schemas/ids/${id}`);
    const schema = (json as { schema?: unknown } | undefined)?.schema;
    if (status === 404 || (status === 200 && typeof schema !== 'string')) {
      this.unknownIds.set(id, true);
      return undefined;
    }
    if (status !== 200)
      throw new SchemaRegistryError(
        `schema registry: GET /schemas/ids/${id} answered ${status}`,
        status,
      );
    this.byId.set(id, schema as string);
    return schema as string;
  }

  async schemaOfSubject(subject: string, id: number): Promise<string | undefined> {
    const key = memberKey(subject, id);
    const known = this.membership.get(key);
    if (known === false) return undefined;
    const schema = await this.schemaById(id);
    if (schema === undefined || known === true) return schema;
    const { status, json } = await this.call('GET', `/schemas/ids/${id}/versions`);
    if (status !== 200 && status !== 404)
      throw new SchemaRegistryError(
        `schema registry: GET /schemas/ids/${id}/versions answered ${status}`,
        status,
      );
    const versions = Array.isArray(json) ? (json as { subject?: unknown }[]) : [];
    const member = status === 200 && versions.some((v) => v.subject === subject);
    this.membership.set(key, member);
    return member ? schema : undefined;
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
