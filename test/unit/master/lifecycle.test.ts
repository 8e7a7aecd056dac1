// The worker lifecycle table: each allowed move works, every other move throws.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IllegalTransition, isServing, isTerminal, transition } from '../../../src/master/lifecycle.js';
import type { WorkerState } from '../../../src/master/lifecycle.js';

const STATES: readonly WorkerState[] = ['starting', 'ready', 'draining', 'exited', 'failed'];

// Written out by hand rather than read from the module, so a change to the table
// has to be made in both places on purpose.
const ALLOWED: ReadonlyArray<readonly [WorkerState, WorkerState]> = [
  ['starting', 'ready'],
  ['starting', 'failed'],
  ['starting', 'draining'],
  ['ready', 'draining'],
  ['ready', 'exited'],
  ['draining', 'exited'],
];

const isAllowed = (from: WorkerState, to: WorkerState) => ALLOWED.some(([f, t]) => f === from && t === to);

describe('transition', () => {
  for (const [from, to] of ALLOWED) {
    test(`allows ${from} → ${to}`, () => {
      assert.equal(transition(from, to), to);
    });
  }

  for (const from of STATES) {
    for (const to of STATES) {
      if (isAllowed(from, to)) continue;
      test(`rejects ${from} → ${to}`, () => {
        assert.throws(() => transition(from, to), (err: unknown) => {
          assert.ok(err instanceof IllegalTransition);
          assert.equal(err.name, 'IllegalTransition');
          assert.equal(err.message, `illegal worker state transition ${from} → ${to}`);
          return true;
        });
      });
    }
  }
});

describe('isTerminal', () => {
  test('is true only for exited and failed', () => {
    assert.deepEqual(STATES.filter(isTerminal), ['exited', 'failed']);
  });
});

describe('isServing', () => {
  test('is true only for ready', () => {
    assert.deepEqual(STATES.filter(isServing), ['ready']);
  });
});
