import type { Pseudonymizer } from '../../../ports';

/** Builds a pseudonymizer for a secret key; must throw for keys too short to be a secret. */
export type PseudonymizerFactory = (key: Buffer) => Pseudonymizer;

const KEY_A = Buffer.from('0123456789abcdef0123456789abcdef', 'utf8');
const KEY_B = Buffer.from('fedcba9876543210fedcba9876543210', 'utf8');
const USERS = ['user-1', 'user-2', 'User-1', '', 'ü-ñ-用户', 'user-1 ', 'x'.repeat(1_000)];

/** The Pseudonymizer contract: a keyed, deterministic, irreversible-looking 64-hex pseudonym. */
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
      for (const u of USERS) expect(a.pseudonymize(u)).not.toBe(b.pseudonymize(u));
    });

    it('outputs 64 lowercase hex characters that do not contain the raw id', () => {
      const p = make(KEY_A);
      for (const u of [...USERS, 'abc123', '0'.repeat(64)]) {
        const pseudonym = p.pseudonymize(u);
        expect(pseudonym).toMatch(/^[0-9a-f]{64}$/);
        if (u.length >= 3) expect(pseudonym).not.toContain(u.toLowerCase());
      }
    });

    it('refuses keys shorter than 16 bytes', () => {
      expect(() => make(Buffer.alloc(0))).toThrow();
      expect(() => make(Buffer.from('short-secret'))).toThrow();
      expect(() => make(Buffer.alloc(15, 1))).toThrow();
      expect(() => make(Buffer.alloc(16, 1))).not.toThrow();
    });
  });
}
