#!/usr/bin/env node
// The baton command. One top-level catch tells an expected failure (a BatonError:
// its message and exit code) from a bug (stack trace, exit code 70).
import { isBatonError } from '../errors.js';
import { runCli } from './run.js';

// A master outlives the terminal or pipe it was started from: a write to a closed
// stdout or stderr (EPIPE) must not take the cluster down.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

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
