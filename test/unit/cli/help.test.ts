// Start's help is written from the settings schema: it lists every flag, with its default.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { START_HELP } from '../../../src/cli/help.js';
import { FLAG_SETTINGS } from '../../../src/config/schema.js';

/** The lines of start's help that describe one flag: its own line and the indented ones after it. */
function block(flag: string): string {
  const lines = START_HELP.split('\n');
  const first = lines.findIndex((line) => new RegExp(`^  (-\\w, |    )--${flag}( |$)`).test(line));
  assert.notEqual(first, -1, `--${flag} is in start's help`);
  let end = first + 1;
  while (end < lines.length && /^ {30}\S/.test(lines[end]!)) end++;
  return lines.slice(first, end).join('\n');
}

describe("start's help", () => {
  test('lists every flag, with its short flag, in the schema order', () => {
    const listed = START_HELP.split('\n').flatMap((line) => /^  (?:-\w, |    )--([a-z-]+)/.exec(line)?.[1] ?? []);
    assert.deepEqual(listed, FLAG_SETTINGS.map((s) => s.flag));
    for (const s of FLAG_SETTINGS) if (s.short) assert.match(block(s.flag), new RegExp(`^  -${s.short}, --${s.flag}`));
  });

  test('shows every default, and says "default" for every flag that takes one value', () => {
    for (const s of FLAG_SETTINGS) {
      const text = block(s.flag);
      // A repeatable flag given no value has none (--node-arg); booleans are off.
      if (s.type === 'string' && !s.multiple) assert.match(text, /default/, `--${s.flag}`);
      if (s.default !== undefined) assert.ok(text.includes(`default ${s.default}`) || text.includes(`default ./${s.default}`), `--${s.flag} shows ${s.default}`);
      if (s.daemonDefault !== undefined) assert.ok(text.includes(`./${s.daemonDefault}`), `--${s.flag} shows ${s.daemonDefault}`);
      assert.doesNotMatch(text, /\{\w+\}/, 'no placeholder is left');
    }
  });

  test('keeps its layout: descriptions in one column, long names wrap', () => {
    assert.ok(START_HELP.includes('  -w, --workers <n|max>       worker processes (default 2; max = one per CPU)\n'));
    assert.ok(START_HELP.includes('  -l, --listen <address>      port, host:port, [ipv6]:port or unix socket path; repeat for\n                              several (default 3000, all interfaces)\n'));
    assert.ok(START_HELP.includes('      --upgrade-timeout <dur> how long a new master may take to be ready (default 60s)\n'));
    assert.ok(START_HELP.includes('      --control <path>        control socket (default ./.baton.sock, env BATON_CONTROL)\n  -h, --help                  show this help\n'));
  });
});
