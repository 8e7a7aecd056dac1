// Signals are caught from the first line of baton's code that runs in a master: a
// HUP, USR2, TERM or INT that arrives while the master is still starting is kept and
// handed to the master's loop as soon as it exists, never left to the default action
// (which would kill the process). The command's entry point (cli/baton.cts, CommonJS so
// it runs before the ES module loader starts) installs the catch and keeps what comes
// in a global this module shares; this module imports nothing, so main.js, the entry an
// upgrade starts, can load it first too. Before any of it runs, Node.js itself is
// booting (about 20 to 40 ms; longer with NODE_EXTRA_CA_CERTS, which Node 20 reads
// before running any code), and the kernel's default action applies, as it does for
// every Node.js program.

export type CaughtSignal = 'SIGHUP' | 'SIGUSR1' | 'SIGUSR2' | 'SIGTERM' | 'SIGINT';
/** In the order cli/baton.cts catches them (USR2 last). */
export const CAUGHT_SIGNALS: readonly CaughtSignal[] = ['SIGTERM', 'SIGINT', 'SIGUSR1', 'SIGHUP', 'SIGUSR2'];

/** Shared with cli/baton.cts through a global: the signals caught so far, and where the next go. */
interface Caught {
  early: CaughtSignal[];
  sink: ((signal: CaughtSignal) => void) | undefined;
}
const KEY = Symbol.for('baton.early-signals');

function shared(): Caught | undefined {
  return (globalThis as Record<symbol, Caught | undefined>)[KEY];
}

/** Catches the master's signals from now on (once per process); until deliverSignals() they are kept in order. */
export function catchSignals(): void {
  if (shared()) return;
  const state: Caught = { early: [], sink: undefined };
  (globalThis as Record<symbol, Caught>)[KEY] = state;
  for (const signal of CAUGHT_SIGNALS) {
    process.on(signal, () => {
      if (state.sink) state.sink(signal);
      else state.early.push(signal);
    });
  }
}

/** Sends every signal caught so far, then every later one, to `to`. */
export function deliverSignals(to: (signal: CaughtSignal) => void): void {
  catchSignals();
  const state = shared()!;
  state.sink = to;
  for (const signal of state.early.splice(0)) to(signal);
}

/** True if signals are being caught (the process is, or is becoming, a master). */
export function catchingSignals(): boolean {
  return shared() !== undefined;
}

/**
 * For a `baton start` that turns out not to become a master (an ecosystem file's, which
 * starts daemons and returns): the default actions again, so Ctrl-C ends it, and a
 * signal caught meanwhile is acted on now.
 */
export function releaseSignals(): void {
  const state = shared();
  if (!state) return;
  delete (globalThis as Record<symbol, unknown>)[KEY];
  for (const signal of CAUGHT_SIGNALS) process.removeAllListeners(signal);
  for (const signal of state.early.splice(0)) process.kill(process.pid, signal);
}
