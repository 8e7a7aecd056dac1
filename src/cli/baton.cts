#!/usr/bin/env node
// The baton command's entry point, in CommonJS on purpose: its first lines run before
// Node's ES module loader has even started, so a master (baton start in the foreground)
// catches HUP, USR2, TERM and INT some milliseconds sooner than an ES module could.
// Caught signals wait in a global until the master's loop takes them (src/signals.ts).
// Everything else is main.js, which a running master also starts directly for an upgrade.
'use strict';

const KEY = Symbol.for('baton.early-signals');
const argv = process.argv.slice(2);
const own = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
const becomesMaster = argv[0] === '__successor' || (argv[0] === 'start' && !own.includes('--daemon') && !own.includes('--help') && !own.includes('-h'));
if (becomesMaster) {
  const state: { early: string[]; sink: ((signal: string) => void) | undefined } = { early: [], sink: undefined };
  (globalThis as Record<symbol, unknown>)[KEY] = state;
  // USR2 last: Node itself catches TERM and INT (to restore the terminal), so a caught
  // USR2 is how a test can tell from outside that every catch here is in place.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGUSR1', 'SIGHUP', 'SIGUSR2'] as const) {
    process.on(signal, () => {
      if (state.sink) state.sink(signal);
      else state.early.push(signal);
    });
  }
}

// The rest of baton is ES modules.
import('./main.js').catch((err: unknown) => {
  process.stderr.write(`baton: cannot load: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(70);
});
