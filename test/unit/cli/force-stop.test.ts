// What stop --force prints: how the master ended, and what became of its workers,
// counted as people count ("the worker", "the 2 workers"), never "0 of its workers".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forceStopLine } from '../../../src/cli/force-stop.js';

test('workers still running after the master are counted', () => {
  assert.equal(forceStopLine(42, 'did not stop within 1000ms', 'SIGKILL', 1, 1, 'SIGTERM'), 'stopped: master 42 did not stop within 1000ms; ended it with SIGKILL, then the worker it left running with SIGTERM');
  assert.equal(forceStopLine(42, 'did not stop within 1000ms', 'SIGKILL', 3, 2, 'SIGKILL'), 'stopped: master 42 did not stop within 1000ms; ended it with SIGKILL, then the 2 workers it left running with SIGKILL');
});

test('a master that had drained its workers already gets no "0 of its workers"', () => {
  assert.equal(forceStopLine(42, 'does not answer on its control socket', 'SIGTERM', 2, 0, undefined), 'stopped: master 42 does not answer on its control socket; ended it with SIGTERM (its workers had exited by then)');
  assert.equal(forceStopLine(42, 'does not answer on its control socket', 'SIGKILL', 0, 0, undefined), 'stopped: master 42 does not answer on its control socket; ended it with SIGKILL (it had no workers left)');
});
