#!/usr/bin/env node
// The baton command. One top-level catch tells an expected failure (a BatonError:
// its message and exit code) from a bug (stack trace, exit code 70).
//
// Only early.js is imported statically: a master catches its signals before the rest
// of baton is even loaded (ES modules load a whole static graph before running any of it).
import './early.js';

// A master outlives the terminal or pipe it was started from: a write to a closed
// stdout or stderr (EPIPE) must not take the cluster down.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

const { isBatonError } = await import('../errors.js');
const { runCli } = await import('./run.js');

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (isBatonError(err)) {
      process.stderr.write(`baton: ${err.message}\n`);
      process.exit(err.exitCode);
    }
    process.stderr.write(`baton: internal error (this is a bug, please report it):\n${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(70);
  },
);
