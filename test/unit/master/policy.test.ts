// What each request gets in each state: the table, spot-checked cell by cell where it
// matters most, and printed in the README exactly as the code has it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ASKS, decide, refusalError, renderPolicyTable } from '../../../src/master/policy.js';
import { STATE_LABELS } from '../../../src/master/state.js';

const README = new URL('../../../../README.md', import.meta.url);

describe('request table', () => {
  test('a stop is never refused: it runs, joins, or is carried to the new master', () => {
    for (const label of STATE_LABELS) assert.notEqual(decide(label, 'stop').action, 'refuse', label);
    assert.equal(decide('upgrading:handing-over', 'stop').action, 'carry');
    assert.equal(decide('stopping:draining', 'stop').action, 'join');
  });

  test('one operation at a time: a reload or upgrade while one runs is refused as busy', () => {
    for (const label of ['reloading', 'upgrading:preparing', 'recovering'] as const) {
      for (const ask of ['reload', 'upgrade'] as const) assert.deepEqual(decide(label, ask), { action: 'refuse', why: 'busy' }, `${ask} in ${label}`);
    }
  });

  test('a successor before takeover runs no reload or upgrade', () => {
    assert.deepEqual(decide('standby', 'upgrade'), { action: 'refuse', why: 'taking-over' });
    assert.deepEqual(decide('standby', 'reload'), { action: 'refuse', why: 'taking-over' });
  });

  test('start-up queues reloads and upgrades instead of losing them', () => {
    assert.equal(decide('starting', 'reload').action, 'queue');
    assert.equal(decide('starting', 'upgrade').action, 'queue');
    assert.equal(decide('taking-over', 'reload').action, 'queue');
  });

  test('the memory swap runs only while serving', () => {
    for (const label of STATE_LABELS) assert.equal(decide(label, 'swap').action, label === 'serving' ? 'run' : 'skip', label);
  });

  test('every cell has a decision, and every refusal a coded error', () => {
    for (const label of STATE_LABELS) {
      for (const ask of ASKS) {
        const d = decide(label, ask);
        assert.ok(d, `${ask} in ${label}`);
        if (d.action === 'refuse') assert.match(refusalError(d.why, 7).code, /^BATON_/);
      }
    }
    assert.equal(refusalError('busy').code, 'BATON_BUSY');
    assert.match(refusalError('handing-over', 4242).message, /new master 4242/);
  });

  test('the README shows this very table', () => {
    const readme = readFileSync(README, 'utf8');
    assert.ok(readme.includes(renderPolicyTable()), `README.md must contain the table as renderPolicyTable() prints it:\n${renderPolicyTable()}`);
  });
});
