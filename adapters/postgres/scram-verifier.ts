import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

const ITERATIONS = 4096; // PostgreSQL's default scram_iterations

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802 / 7677, the format of
 * `pg_authid.rolpassword`), so `ALTER ROLE ... PASSWORD '<verifier>'` never sends the password
 * itself: it cannot end up in a server log or pg_stat_statements. psql's \password does the same.
 * Printable ASCII only: PostgreSQL SASLprep-normalizes other passwords first, which this skips.
 */
export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16)): string {
  if (!/^[\x21-\x7e]{8,}$/.test(password))
    throw new Error('a login password must be at least 8 printable ASCII characters, no spaces');
  const salted = pbkdf2Sync(password, salt, ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
