// Signals are caught from the first line of baton's code that runs in a master: a
// HUP, USR2, TERM or INT that arrives while the master is still starting is kept and
// handed to the master's loop as soon as it exists, never left to the default action
// (which would kill the process). This module imports nothing, so the CLI can load it
// before anything else. Before it runs, Node.js itself is booting (about 20 ms; longer
// with NODE_EXTRA_CA_CERTS, which Node 20 reads before running any code), and the
// kernel's default action applies, as it does for every Node.js program.

export type CaughtSignal = 'SIGHUP' | 'SIGUSR1' | 'SIGUSR2' | 'SIGTERM' | 'SIGINT';
export const CAUGHT_SIGNALS: readonly CaughtSignal[] = ['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGTERM', 'SIGINT'];

let sink: ((signal: CaughtSignal) => void) | undefined;
const early: CaughtSignal[] = [];
let caught = false;

/** Catches the master's signals from now on; until deliverSignals() they are kept in order. */
export function catchSignals(): void {
  if (caught) return;
  caught = true;
  for (const signal of CAUGHT_SIGNALS) {
    process.on(signal, () => {
      if (sink) sink(signal);
      else early.push(signal);
    });
  }
}

/** Sends every signal caught so far, then every later one, to `to`. */
export function deliverSignals(to: (signal: CaughtSignal) => void): void {
  catchSignals();
  sink = to;
  for (const signal of early.splice(0)) to(signal);
}

/** True if signals are being caught (the process is, or is becoming, a master). */
export function catchingSignals(): boolean {
  return caught;
}
