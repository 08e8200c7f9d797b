/** Money is integer micros (1 unit of account = 1,000,000). Never floats: a decimal string is scaled exactly. */
export const MICROS_PER_UNIT = 1_000_000;

const DECIMAL = /^(-?)(\d{1,12})(?:\.(\d{1,6}))?$/;

/** "12.5" → 12_500_000. Returns undefined when the text is not a decimal with at most 6 fraction digits. */
export function decimalToMicros(text: string): number | undefined {
  const m = DECIMAL.exec(text.trim());
  if (!m) return undefined;
  const whole = Number(m[2]);
  const fraction = Number((m[3] ?? '').padEnd(6, '0'));
  const micros = whole * MICROS_PER_UNIT + fraction;
  // above 2^53 micros a double cannot hold the exact amount: refuse rather than round money
  if (!Number.isSafeInteger(micros)) return undefined;
  return m[1] === '-' && micros !== 0 ? -micros : micros;
}

/** For reports: 12_500_000 → "12.500000". Exact, since micros stay below 2^53. */
export function microsToDecimal(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  return `${sign}${Math.floor(abs / MICROS_PER_UNIT)}.${String(abs % MICROS_PER_UNIT).padStart(6, '0')}`;
}
