// A process that catches a master's signals from its first line, and then turns out not
// to be a master (baton start with an ecosystem file), gives them back: Ctrl-C ends it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SIGNALS = fileURLToPath(new URL('../../src/signals.js', import.meta.url));

/** Runs `code` in a fresh node with signals.js imported as `s`; its exit status and signal. */
function run(code: string) {
  return spawnSync(process.execPath, ['--input-type=module', '-e', `import * as s from ${JSON.stringify(SIGNALS)};\n${code}`], { encoding: 'utf8', timeout: 10_000 });
}

test('releaseSignals(): the default actions again, with no listener left', () => {
  const result = run(`
    s.catchSignals();
    if (!s.catchingSignals() || process.listenerCount('SIGINT') !== 1) process.exit(3);
    s.releaseSignals();
    if (s.catchingSignals() || process.listenerCount('SIGINT') + process.listenerCount('SIGTERM') !== 0) process.exit(4);
    process.kill(process.pid, 'SIGINT');
    setTimeout(() => process.exit(5), 2000);
  `);
  assert.deepEqual([result.status, result.signal], [null, 'SIGINT'], result.stderr);
});

test('a signal caught before the release is acted on at the release', () => {
  const result = run(`
    s.catchSignals();
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => s.releaseSignals(), 100);
    setTimeout(() => process.exit(5), 2000);
  `);
  assert.deepEqual([result.status, result.signal], [null, 'SIGTERM'], result.stderr);
});
