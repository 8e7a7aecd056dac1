// The handover between masters is versioned: a successor reads its own version and
// refuses anything else with a message that says what to do.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HANDOVER_ENV, HANDOVER_VERSION, readHandover } from '../../../src/protocol/handover.js';

const state = {
  v: HANDOVER_VERSION,
  fromPid: 42,
  options: { app: '/srv/app.js' },
  listeners: [{ key: '127.0.0.1:3000', spec: { kind: 'tcp', host: '127.0.0.1', port: 3000 }, host: '127.0.0.1', port: 3000 }],
  counters: { nextId: 5, nextGeneration: 3, generation: 2, restarts: [0, 1] },
};

test('reads a handover of its own version', () => {
  const read = readHandover({ [HANDOVER_ENV]: JSON.stringify(state) });
  assert.equal(read.fromPid, 42);
  assert.deepEqual(read.counters, state.counters);
  assert.equal(read.listeners[0]!.key, '127.0.0.1:3000');
});

test('refuses another version, naming both', () => {
  assert.throws(() => readHandover({ [HANDOVER_ENV]: JSON.stringify({ ...state, v: HANDOVER_VERSION + 1 }) }), {
    code: 'BATON_UPGRADE_FAILED',
    message: new RegExp(`handover version ${HANDOVER_VERSION + 1}; this baton reads version ${HANDOVER_VERSION}`),
  });
});

test('refuses state that is not JSON', () => {
  assert.throws(() => readHandover({ [HANDOVER_ENV]: '{nope' }), { code: 'BATON_UPGRADE_FAILED', message: /not valid JSON/ });
});

test('is a usage error when run by hand, without a handover', () => {
  assert.throws(() => readHandover({}), { code: 'BATON_USAGE', exitCode: 2, message: /only run by a baton master during an upgrade/ });
});
