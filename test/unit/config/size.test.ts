// Memory sizes for --max-memory.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSize } from '../../../src/config/size.js';

test('reads sizes with and without units', () => {
  assert.equal(parseSize('--max-memory', '512MB'), 512 * 1024 ** 2);
  assert.equal(parseSize('--max-memory', '300M'), 300 * 1024 ** 2);
  assert.equal(parseSize('--max-memory', '1.5GB'), 1.5 * 1024 ** 3);
  assert.equal(parseSize('--max-memory', '2g'), 2 * 1024 ** 3);
  assert.equal(parseSize('--max-memory', '4096KB'), 4 * 1024 ** 2);
  assert.equal(parseSize('--max-memory', String(8 * 1024 ** 2)), 8 * 1024 ** 2);
});

test('rejects nonsense and sizes below 1MB, naming the option', () => {
  for (const bad of ['', 'lots', '12XB', '-5MB', '100KB', '0']) {
    assert.throws(() => parseSize('--max-memory', bad), { code: 'BATON_INVALID_OPTION', message: new RegExp(`invalid value ${JSON.stringify(bad).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} for --max-memory: expected a size of at least 1MB`) });
  }
});
