import { createServer } from 'node:net';
import { ConfigError } from '../config/config-error';

/**
 * Why the ops server cannot listen on host:port, as a ConfigError naming the variable to change;
 * undefined for errors that are not about the address.
 */
export function listenProblem(error: unknown, host: string, port: number): ConfigError | undefined {
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE')
    return new ConfigError(
      `ADX_HTTP_PORT=${port}: ${host}:${port} is already in use (another \`adx serve\`?). ` +
        'Set ADX_HTTP_PORT to a free port, or 0 for any free one.',
    );
  if (code === 'EACCES')
    return new ConfigError(
      `ADX_HTTP_PORT=${port}: not allowed to listen on ${host}:${port} (ports below 1024 need privileges).`,
    );
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new ConfigError(
      `ADX_HTTP_HOST=${host}: not an address of this machine (${String(code)}); 127.0.0.1 or 0.0.0.0 work.`,
    );
  return undefined;
}

/**
 * Fails fast, before any start-up work, when the ops server could not listen later: binds the
 * address and lets it go again. Port 0 (any free port) needs no check.
 */
export async function assertCanListen(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) => reject(listenProblem(error, host, port) ?? error));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}
