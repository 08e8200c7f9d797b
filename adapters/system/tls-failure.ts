/**
 * What a failed TLS connection says about its configuration, from Node's error codes anywhere in
 * an error's cause chain (kafkajs, pg and the AWS SDK each wrap the socket's error differently).
 */
export type TlsFailure =
  /** the server's certificate does not chain to a trusted CA: the client lacks the CA file */
  | 'untrusted-certificate'
  /** the certificate does not name the host the client connected to */
  | 'certificate-name'
  /** expired or not yet valid */
  | 'certificate-date'
  /** the server did not speak TLS at all: a plaintext endpoint */
  | 'not-tls';

const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);
const DATE = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const NOT_TLS_CODES = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']);
const NOT_TLS_MESSAGES =
  /before secure TLS connection was established|wrong version number|packet length too long|does not support SSL/i;
/** Node's texts for the same failures: some wrappers (the AWS SDK under jest, for one) drop `code` */
const MESSAGES: readonly [RegExp, TlsFailure, string][] = [
  [
    /self[- ]signed certificate in certificate chain/i,
    'untrusted-certificate',
    'SELF_SIGNED_CERT_IN_CHAIN',
  ],
  [/^self[- ]signed certificate$/i, 'untrusted-certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  [
    /unable to verify the first certificate/i,
    'untrusted-certificate',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  ],
  [
    /unable to get (local )?issuer certificate/i,
    'untrusted-certificate',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  ],
  [/does not match certificate's altnames/i, 'certificate-name', 'ERR_TLS_CERT_ALTNAME_INVALID'],
  [/certificate has expired|certificate is not yet valid/i, 'certificate-date', 'CERT_HAS_EXPIRED'],
];

/** The error and its causes (`cause`, kafkajs' `originalError`), outermost first. */
export function causeChain(error: unknown): readonly Record<string, unknown>[] {
  const chain: Record<string, unknown>[] = [];
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && chain.length < 10) {
    const record = current as Record<string, unknown>;
    if (chain.includes(record)) break;
    chain.push(record);
    current = record.cause ?? record.originalError;
  }
  return chain;
}

/** Codes anywhere in the chain first (they are exact), then Node's messages. */
export function tlsFailureOf(error: unknown): { failure: TlsFailure; code: string } | undefined {
  const chain = causeChain(error);
  for (const e of chain) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (UNTRUSTED.has(code)) return { failure: 'untrusted-certificate', code };
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return { failure: 'certificate-name', code };
    if (DATE.has(code)) return { failure: 'certificate-date', code };
    if (NOT_TLS_CODES.has(code)) return { failure: 'not-tls', code };
  }
  for (const e of chain) {
    const message = typeof e.message === 'string' ? e.message : '';
    const code = typeof e.code === 'string' ? e.code : '';
    if (NOT_TLS_MESSAGES.test(message))
      return { failure: 'not-tls', code: code || 'no TLS handshake' };
    const known = MESSAGES.find(([pattern]) => pattern.test(message));
    if (known) return { failure: known[1], code: known[2] };
  }
  return undefined;
}
