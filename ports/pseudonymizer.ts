/** Turns a user id into a stable pseudonym (keyed HMAC), so no raw identifier leaves the processor. */
export interface Pseudonymizer {
  pseudonymize(userId: string): string;
}
