// The master's lifecycle table: each allowed move works, every other move throws. The
// table is written out again here, by hand, so a change to it is made on purpose.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canMove, IllegalMasterTransition, isFinal, labelOf, STATE_LABELS, transition } from '../../../src/master/state.js';
import type { MasterState, StateLabel } from '../../../src/master/state.js';

const ALLOWED: ReadonlyArray<readonly [StateLabel, StateLabel]> = [
  ['starting', 'serving'],
  ['starting', 'stopping:grace'],
  ['starting', 'stopping:draining'],
  ['standby', 'standby'],
  ['standby', 'taking-over'],
  ['standby', 'stopping:grace'],
  ['standby', 'stopping:draining'],
  ['taking-over', 'serving'],
  ['serving', 'reloading'],
  ['serving', 'swapping'],
  ['serving', 'upgrading:preparing'],
  ['serving', 'stopping:grace'],
  ['serving', 'stopping:draining'],
  ['reloading', 'serving'],
  ['reloading', 'stopping:grace'],
  ['reloading', 'stopping:draining'],
  ['swapping', 'serving'],
  ['swapping', 'stopping:grace'],
  ['swapping', 'stopping:draining'],
  ['upgrading:preparing', 'upgrading:handing-over'],
  ['upgrading:preparing', 'serving'],
  ['upgrading:preparing', 'stopping:grace'],
  ['upgrading:preparing', 'stopping:draining'],
  ['upgrading:handing-over', 'handed-over'],
  ['upgrading:handing-over', 'recovering'],
  ['recovering', 'serving'],
  ['recovering', 'stopping:grace'],
  ['recovering', 'stopping:draining'],
  ['stopping:grace', 'stopping:draining'],
  ['stopping:draining', 'stopped'],
  ['handed-over', 'recovering'],
];

/** A state value with the given label (the payloads do not matter to the table). */
function stateOf(label: StateLabel): MasterState {
  const [kind, phase] = label.split(':') as [MasterState['kind'], string | undefined];
  return { kind, phase, run: undefined, stop: undefined, from: 1, to: 2, told: false } as unknown as MasterState;
}

describe('master transition', () => {
  for (const [from, to] of ALLOWED) {
    test(`allows ${from} → ${to}`, () => {
      const next = stateOf(to);
      assert.equal(transition(stateOf(from), next), next);
    });
  }

  test('rejects every move the table does not list', () => {
    let rejected = 0;
    for (const from of STATE_LABELS) {
      for (const to of STATE_LABELS) {
        if (ALLOWED.some(([f, t]) => f === from && t === to)) continue;
        assert.equal(canMove(from, to), false, `${from} → ${to}`);
        assert.throws(() => transition(stateOf(from), stateOf(to)), (err: unknown) => err instanceof IllegalMasterTransition && err.message === `illegal master state transition ${from} → ${to}`);
        rejected++;
      }
    }
    assert.equal(rejected, STATE_LABELS.length ** 2 - ALLOWED.length);
  });

  test('labels carry the phase of upgrading and stopping', () => {
    assert.equal(labelOf(stateOf('upgrading:handing-over')), 'upgrading:handing-over');
    assert.equal(labelOf(stateOf('stopping:grace')), 'stopping:grace');
    assert.equal(labelOf(stateOf('serving')), 'serving');
  });

  test('only stopped is final: a master that handed over takes the service back if the new master dies', () => {
    assert.deepEqual(STATE_LABELS.filter((l) => isFinal(stateOf(l))), ['stopped']);
  });
});
