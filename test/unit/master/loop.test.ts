// The master's loop: items run in the order posted, one at a time (an item posted by a
// handler runs after it), the settle step runs after each, and a throwing handler fails
// only its own item.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Loop } from '../../../src/master/loop.js';

test('runs items in order, never re-entered, settling after each', () => {
  const seen: string[] = [];
  const loop: Loop<string> = new Loop<string>(
    (item) => {
      seen.push(`handle ${item}`);
      if (item === 'a') loop.post('c');
    },
    () => seen.push('settle'),
    () => assert.fail('no fault'),
  );
  loop.post('a');
  loop.post('b');
  assert.deepEqual(seen, ['handle a', 'settle', 'handle c', 'settle', 'handle b', 'settle']);
  assert.equal(loop.pending, 0);
});

test('a handler that throws fails its item; the next items still run', () => {
  const seen: string[] = [];
  const loop = new Loop<string>(
    (item) => {
      if (item === 'bad') throw new Error('bookkeeping bug');
      seen.push(item);
    },
    () => {},
    (item, err) => seen.push(`fault ${item}: ${(err as Error).message}`),
  );
  loop.post('one');
  loop.post('bad');
  loop.post('two');
  assert.deepEqual(seen, ['one', 'fault bad: bookkeeping bug', 'two']);
});

test('a fault handler that throws too does not stop the loop', () => {
  const seen: string[] = [];
  const loop = new Loop<string>(
    (item) => {
      if (item === 'bad') throw new Error('x');
      seen.push(item);
    },
    () => {},
    () => {
      throw new Error('fault handler broke');
    },
  );
  loop.post('bad');
  loop.post('after');
  assert.deepEqual(seen, ['after']);
});
