// baton logs: the last lines of a file, and following it across a rotation and a truncation.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { follow, lastLines } from '../../../src/cli/logs.js';

function file(t: { after: (fn: () => void) => void }, content: string): string {
  const d = mkdtempSync(join(tmpdir(), 'baton-logs-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const path = join(d, 'baton.log');
  writeFileSync(path, content);
  return path;
}

test('lastLines: the last n lines, fewer if the file is short, none for n = 0', (t) => {
  const path = file(t, 'a\nb\nc\nd\n');
  assert.deepEqual(lastLines(path, 2), { lines: ['c', 'd'], size: 8 });
  assert.deepEqual(lastLines(path, 10).lines, ['a', 'b', 'c', 'd']);
  assert.deepEqual(lastLines(path, 0).lines, []);
  assert.deepEqual(lastLines(file(t, ''), 5).lines, []);
});

test('lastLines reads back across chunks of a large file', (t) => {
  const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'x'.repeat(20)}`);
  const path = file(t, lines.join('\n') + '\n');
  assert.deepEqual(lastLines(path, 5000).lines, lines.slice(-5000));
});

test('follow: appended lines, then a new file at the path after a rotation, then a truncation', async (t) => {
  const path = file(t, 'old\n');
  let seen = '';
  const stop = new AbortController();
  const done = follow(path, 4, (chunk) => (seen += chunk.toString()), stop.signal, 5);
  const until = async (text: string) => {
    const deadline = Date.now() + 5000;
    while (!seen.endsWith(text)) {
      if (Date.now() > deadline) throw new Error(`never saw ${JSON.stringify(text)} in ${JSON.stringify(seen)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  appendFileSync(path, 'one\n');
  await until('one\n');
  renameSync(path, `${path}.1`);
  appendFileSync(`${path}.1`, 'late in the old file\n');
  writeFileSync(path, 'new file\n');
  await until('late in the old file\nnew file\n');
  writeFileSync(path, 'x\n'); // truncated in place, then written
  await until('x\n');
  stop.abort();
  await done;
  assert.equal(seen, 'one\nlate in the old file\nnew file\nx\n');
});
