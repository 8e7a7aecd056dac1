// Rolling-reload batches: "--batch" parsing, batch size for a cluster, and the plan.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BatonError, EXIT_USAGE } from '../../../src/errors.js';
import { batchSize, parseBatchSpec, planBatches } from '../../../src/config/batch.js';

describe('parseBatchSpec', () => {
  test('parses a worker count', () => {
    assert.deepEqual(parseBatchSpec('2'), { kind: 'count', count: 2 });
    assert.deepEqual(parseBatchSpec('1'), { kind: 'count', count: 1 });
  });

  test('parses a percentage', () => {
    assert.deepEqual(parseBatchSpec('25%'), { kind: 'percent', percent: 25 });
    assert.deepEqual(parseBatchSpec('100%'), { kind: 'percent', percent: 100 });
    assert.deepEqual(parseBatchSpec('12.5%'), { kind: 'percent', percent: 12.5 });
  });

  test('ignores surrounding whitespace', () => {
    assert.deepEqual(parseBatchSpec(' 3 '), { kind: 'count', count: 3 });
  });

  for (const bad of ['0', '0%', '101%', 'abc', '', '-1', '1.5', '25 %', '%', '2x']) {
    test(`rejects ${JSON.stringify(bad)} with a usage error naming --batch`, () => {
      assertInvalidOption(() => parseBatchSpec(bad), '--batch', bad);
    });
  }
});

describe('batchSize', () => {
  test('uses a count as is when it fits', () => {
    assert.equal(batchSize(4, { kind: 'count', count: 1 }), 1);
    assert.equal(batchSize(4, { kind: 'count', count: 3 }), 3);
  });

  test('clamps a count to the cluster size', () => {
    assert.equal(batchSize(4, { kind: 'count', count: 10 }), 4);
  });

  test('takes an exact percentage', () => {
    assert.equal(batchSize(8, { kind: 'percent', percent: 25 }), 2);
    assert.equal(batchSize(4, { kind: 'percent', percent: 100 }), 4);
  });

  test('rounds a percentage up to a whole worker', () => {
    assert.equal(batchSize(3, { kind: 'percent', percent: 50 }), 2);
    assert.equal(batchSize(10, { kind: 'percent', percent: 25 }), 3);
    assert.equal(batchSize(10, { kind: 'percent', percent: 21 }), 3);
    assert.equal(batchSize(4, { kind: 'percent', percent: 30 }), 2);
  });

  test('never returns less than one worker for a non-empty cluster', () => {
    assert.equal(batchSize(3, { kind: 'percent', percent: 1 }), 1);
    assert.equal(batchSize(1, { kind: 'percent', percent: 0.5 }), 1);
  });

  test('is 0 for an empty cluster', () => {
    assert.equal(batchSize(0, { kind: 'count', count: 2 }), 0);
    assert.equal(batchSize(0, { kind: 'percent', percent: 50 }), 0);
  });
});

describe('planBatches', () => {
  test('splits slots into consecutive batches, the last one shorter', () => {
    assert.deepEqual(planBatches([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  });

  test('puts every slot in its own batch for size 1', () => {
    assert.deepEqual(planBatches(['a', 'b', 'c'], 1), [['a'], ['b'], ['c']]);
  });

  test('makes one batch when the size covers every slot', () => {
    assert.deepEqual(planBatches([1, 2, 3], 3), [[1, 2, 3]]);
    assert.deepEqual(planBatches([1, 2, 3], 7), [[1, 2, 3]]);
  });

  test('plans nothing for no slots', () => {
    assert.deepEqual(planBatches([], 2), []);
  });

  test('rejects a size below 1', () => {
    assert.throws(() => planBatches([1, 2], 0), { name: 'RangeError', message: 'batch size must be at least 1, got 0' });
  });
});

function assertInvalidOption(fn: () => unknown, option: string, value: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BatonError);
    assert.equal(err.code, 'BATON_INVALID_OPTION');
    assert.equal(err.exitCode, EXIT_USAGE);
    assert.ok(err.message.startsWith(`invalid value ${JSON.stringify(value)} for ${option}: expected `), err.message);
    return true;
  });
}
