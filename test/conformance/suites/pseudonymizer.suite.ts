import type { PseudonymizationKey, Pseudonymizer } from '../../../ports';

/**
 * Builds a pseudonymizer for a keyring (active key first) or a bare secret (the default id);
 * must throw for a keyring that would make pseudonyms guessable or ambiguous.
 */
export type PseudonymizerFactory = (
  keys: Uint8Array | readonly PseudonymizationKey[],
) => Pseudonymizer;

const KEY_A = Buffer.from('0123456789abcdef0123456789abcdef', 'utf8');
const KEY_B = Buffer.from('fedcba9876543210fedcba9876543210', 'utf8');
const KEY_C = Buffer.from('a-third-secret-of-sixteen-bytes+', 'utf8');
const USERS = ['user-1', 'user-2', 'User-1', '', 'ü-ñ-用户', 'user-1 ', 'x'.repeat(1_000)];

const k = (id: string, secret: Uint8Array): PseudonymizationKey => ({ id, secret });
const digestOf = (pseudonym: string): string => pseudonym.slice(pseudonym.indexOf('.') + 1);

/**
 * The Pseudonymizer contract: a keyed, deterministic, irreversible-looking pseudonym
 * `<keyId>.<64 hex>`, and the same user's pseudonyms under the other configured keys.
 */
export function pseudonymizerConformance(name: string, make: PseudonymizerFactory): void {
  describe(`Pseudonymizer conformance: ${name}`, () => {
    it('is deterministic for a key, across calls and instances', () => {
      const one = make(KEY_A);
      const first = USERS.map((u) => one.pseudonymize(u));
      const again = USERS.map((u) => one.pseudonymize(u));
      const other = make(Buffer.from(KEY_A));
      expect(again).toEqual(first);
      expect(USERS.map((u) => other.pseudonymize(u))).toEqual(first);
      // interleaved, so a cache that evicts still answers the same
      for (let i = 0; i < 3; i++) {
        for (const [j, u] of USERS.entries()) expect(one.pseudonymize(u)).toBe(first[j]);
      }
    });

    it('gives distinct pseudonyms to distinct users', () => {
      const p = make(KEY_A);
      expect(new Set(USERS.map((u) => p.pseudonymize(u))).size).toBe(USERS.length);
    });

    it('gives different pseudonyms under different keys', () => {
      const a = make(KEY_A);
      const b = make(KEY_B);
      for (const u of USERS)
        expect(digestOf(a.pseudonymize(u))).not.toBe(digestOf(b.pseudonymize(u)));
    });

    it('outputs <key id>.<64 lowercase hex> that does not contain the raw id', () => {
      const p = make([k('k7', KEY_A)]);
      expect(p.activeKeyId).toBe('k7');
      for (const u of [...USERS, 'abc123', '0'.repeat(64)]) {
        const pseudonym = p.pseudonymize(u);
        expect(pseudonym).toMatch(/^k7\.[0-9a-f]{64}$/);
        if (u.length >= 3) expect(digestOf(pseudonym)).not.toContain(u.toLowerCase());
      }
    });

    it('gives a bare secret the default key id k1', () => {
      const p = make(KEY_A);
      expect(p.activeKeyId).toBe('k1');
      expect(p.pseudonymize('user-1')).toBe(make([k('k1', KEY_A)]).pseudonymize('user-1'));
      expect(p.pseudonymize('user-1')).toMatch(/^k1\.[0-9a-f]{64}$/);
    });

    it('has no previous pseudonyms with one key', () => {
      for (const u of USERS) expect(make(KEY_A).previousPseudonyms(u)).toEqual([]);
    });

    it('after a rotation, pseudonymizes with the new key and knows the old pseudonyms', () => {
      const before = make([k('k1', KEY_A)]);
      const after = make([k('k2', KEY_B), k('k1', KEY_A)]);
      expect(after.activeKeyId).toBe('k2');
      for (const u of USERS) {
        expect(after.pseudonymize(u)).toBe(make([k('k2', KEY_B)]).pseudonymize(u));
        expect(after.pseudonymize(u)).not.toBe(before.pseudonymize(u));
        expect(after.previousPseudonyms(u)).toEqual([before.pseudonymize(u)]);
        // asked again (cached or not) the answer is the same
        expect(after.previousPseudonyms(u)).toEqual([before.pseudonymize(u)]);
      }
    });

    it('lists the other keys in configured order, never the active pseudonym', () => {
      const p = make([k('k3', KEY_C), k('k2', KEY_B), k('k1', KEY_A)]);
      for (const u of USERS) {
        const previous = p.previousPseudonyms(u);
        expect(previous).toEqual([
          make([k('k2', KEY_B)]).pseudonymize(u),
          make([k('k1', KEY_A)]).pseudonymize(u),
        ]);
        expect(previous).not.toContain(p.pseudonymize(u));
      }
    });

    it('lets two rollout phases join: each instance knows the pseudonyms of the other', () => {
      // phase 1 lists the new key without using it; phase 2 makes it active
      const phase1 = make([k('k1', KEY_A), k('k2', KEY_B)]);
      const phase2 = make([k('k2', KEY_B), k('k1', KEY_A)]);
      for (const u of USERS) {
        expect(phase2.previousPseudonyms(u)).toContain(phase1.pseudonymize(u));
        expect(phase1.previousPseudonyms(u)).toContain(phase2.pseudonymize(u));
      }
    });

    it('refuses keys shorter than 16 bytes', () => {
      expect(() => make(Buffer.alloc(0))).toThrow();
      expect(() => make(Buffer.from('short-secret'))).toThrow();
      expect(() => make(Buffer.alloc(15, 1))).toThrow();
      expect(() => make([k('k2', KEY_B), k('k1', Buffer.alloc(15, 1))])).toThrow(/k1.*16 bytes/);
      expect(() => make(Buffer.alloc(16, 1))).not.toThrow();
    });

    it('refuses an empty keyring, bad or repeated ids, and one secret under two ids', () => {
      expect(() => make([])).toThrow();
      for (const id of ['', 'k.1', 'k 1', 'x'.repeat(17), 'ключ'])
        expect(() => make([k(id, KEY_A)])).toThrow(/id/);
      expect(() => make([k('k1', KEY_A), k('k1', KEY_B)])).toThrow(/twice/);
      expect(() => make([k('k2', KEY_A), k('k1', Buffer.from(KEY_A))])).toThrow(/repeats/);
    });

    it('never puts a secret in an error message', () => {
      const secret = Buffer.from('secret-secret-se', 'utf8');
      for (const keys of [
        [k('k1', secret), k('k1', KEY_B)],
        [k('k.1', secret)],
        [k('k1', secret), k('k2', Buffer.from(secret))],
      ]) {
        try {
          make(keys);
          throw new Error('accepted');
        } catch (error) {
          expect((error as Error).message).not.toContain('secret-secret');
          expect((error as Error).message).not.toContain(secret.toString('hex'));
        }
      }
    });
  });
}
