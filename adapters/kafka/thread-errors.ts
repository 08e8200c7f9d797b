import { DependencyUnavailableError } from '../resilience/dependency-policy';

/**
 * An error as it crosses from a worker thread: what the outage classifier and the retry policies
 * read of it (name, code, port, retriable, the dependency a policy named, the cause chain), which a
 * structured clone would lose for every error type but the built-in ones.
 */
export interface ErrorDescription {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: string;
  readonly port?: number;
  readonly retriable?: boolean;
  readonly type?: string;
  readonly dependency?: string;
  readonly why?: DependencyUnavailableError['why'];
  readonly httpStatusCode?: number;
  readonly cause?: ErrorDescription;
  readonly errors?: readonly ErrorDescription[];
}

/** deeper chains than this are cut: they carry nothing a classifier would still read */
const MAX_DEPTH = 8;

export function describeError(error: unknown, depth = 0): ErrorDescription {
  if (typeof error !== 'object' || error === null) return { name: 'Error', message: String(error) };
  const e = error as Record<string, unknown>;
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const metadata = e.$metadata as { httpStatusCode?: unknown } | undefined;
  const fields = {
    name: text(e.name) ?? 'Error',
    message: text(e.message) ?? String(error),
    stack: text(e.stack),
    code: text(e.code),
    port: typeof e.port === 'number' ? e.port : undefined,
    retriable: typeof e.retriable === 'boolean' ? e.retriable : undefined,
    type: text(e.type),
    dependency: error instanceof DependencyUnavailableError ? error.dependency : undefined,
    why: error instanceof DependencyUnavailableError ? error.why : undefined,
    httpStatusCode:
      typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined,
    cause:
      depth < MAX_DEPTH && e.cause !== undefined ? describeError(e.cause, depth + 1) : undefined,
    errors:
      depth < MAX_DEPTH && Array.isArray(e.errors)
        ? (e.errors as unknown[]).map((inner) => describeError(inner, depth + 1))
        : undefined,
  };
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== undefined),
  ) as unknown as ErrorDescription;
}

/** The error again, on this thread: a DependencyUnavailableError as one, any other with its fields. */
export function reviveError(d: ErrorDescription): Error {
  const error =
    d.dependency !== undefined && d.why !== undefined
      ? new DependencyUnavailableError(d.dependency, d.why, d.message)
      : Object.assign(new Error(d.message), { name: d.name });
  const extra: Record<string, unknown> = {};
  if (d.code !== undefined) extra.code = d.code;
  if (d.port !== undefined) extra.port = d.port;
  if (d.retriable !== undefined) extra.retriable = d.retriable;
  if (d.type !== undefined) extra.type = d.type;
  if (d.httpStatusCode !== undefined) extra.$metadata = { httpStatusCode: d.httpStatusCode };
  if (d.cause !== undefined) extra.cause = reviveError(d.cause);
  if (d.errors !== undefined) extra.errors = d.errors.map(reviveError);
  if (d.stack !== undefined) extra.stack = d.stack;
  return Object.assign(error, extra);
}
