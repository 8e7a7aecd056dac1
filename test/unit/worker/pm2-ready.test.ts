// PM2's process.send('ready') counts as ready(), and still reaches the IPC channel.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acceptProcessSendReady } from '../../../src/worker/pm2-ready.js';

test("process.send('ready') calls ready; every message, that one too, still goes out", (t) => {
  const saved = process.send;
  t.after(() => {
    process.send = saved;
  });
  const sent: unknown[][] = [];
  process.send = ((...args: unknown[]) => {
    sent.push(args);
    return true;
  }) as typeof process.send;
  let readies = 0;
  acceptProcessSendReady(() => readies++);
  const done = () => {};
  assert.equal(process.send!({ v: 1, type: 'stats' }), true);
  assert.equal(readies, 0);
  process.send!('ready', undefined, {}, done);
  assert.equal(readies, 1);
  process.send!('not ready');
  assert.equal(readies, 1);
  assert.deepEqual(sent, [[{ v: 1, type: 'stats' }], ['ready', undefined, {}, done], ['not ready']]);
});

test('without an IPC channel there is nothing to wrap', (t) => {
  const saved = process.send;
  t.after(() => {
    process.send = saved;
  });
  process.send = undefined;
  acceptProcessSendReady(() => assert.fail('never called'));
  assert.equal(process.send, undefined);
});
