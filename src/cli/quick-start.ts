import { setFlagsFromString } from 'node:v8';

/**
 * For short read commands in the `adx` binary, before PGlite is loaded. PGlite compiles its 9 MB
 * of WASM on every start, and V8's optimizing tier then recompiles hot functions in the
 * background: work a few queries never repay, which competes for the CPU and holds up the exit.
 * Keeping to the baseline compiler roughly halves a read command's time (README "Start-up
 * time"). Not for `serve`, whose PGlite runs for hours; not in tests, which share a process.
 */
export function preferQuickWasmStart(): void {
  setFlagsFromString('--liftoff-only');
}
