// The settings schema is the one list of start's settings: each flag has one entry, each
// entry is a parseArgs option and (unless command-line only) a config key, and a reload
// applies exactly the settings marked "reload".
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../../src/config/file.js';
import { resolveStartOptions } from '../../../src/config/resolve.js';
import { CONFIG_KEYS, FLAG_SETTINGS, RELOAD_APPLIED, SETTINGS, START_OPTIONS, defaultOf, flagSetting, settingForKey } from '../../../src/config/schema.js';
import type { FlagSetting, Setting } from '../../../src/config/schema.js';

// A temp dir for config files and a dummy app, removed after the file's tests.
const dir = mkdtempSync(join(tmpdir(), 'baton-schema-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'app.js'), '// dummy app\n');

/** Writes a baton.config.json holding `config` into its own directory and loads it. */
let files = 0;
async function load(config: Record<string, unknown>) {
  const path = join(dir, `config-${files++}.json`);
  writeFileSync(path, JSON.stringify(config));
  return loadConfig(path);
}

/** Every flag `baton start` takes, written out independently of the schema. */
const START_FLAGS = [
  'name', 'workers', 'listen', 'batch', 'ready-timeout', 'drain-timeout', 'max-draining', 'warm-up', 'stall-timeout', 'kill-timeout', 'wait-ready', 'watch', 'node-arg', 'pid-file',
  'log-file', 'log-format', 'daemon', 'health', 'metrics', 'max-memory', 'lb-grace', 'upgrade-timeout', 'config', 'control', 'help',
];

/** Flags that shape one `baton start` run and have no config key. */
const COMMAND_LINE_ONLY = ['help', 'config', 'daemon'];

/** A value of the right type for a flag's config key. */
const sample = (s: FlagSetting) => (s.type === 'boolean' ? true : s.multiple ? ['x'] : 'x');

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

describe('settings schema', () => {
  test('every start flag has exactly one entry', () => {
    const flags = FLAG_SETTINGS.map((s) => s.flag);
    assert.deepEqual([...flags].sort(), [...START_FLAGS].sort());
    assert.equal(new Set(flags).size, flags.length, 'no flag is listed twice');
    const shorts = FLAG_SETTINGS.flatMap((s) => (s.short ? [s.short] : []));
    assert.deepEqual(shorts.sort(), ['h', 'l', 'w']);
  });

  test('every flag entry is a parseArgs option of start, with its type, short flag and repeatability', () => {
    assert.deepEqual(Object.keys(START_OPTIONS).sort(), [...START_FLAGS].sort());
    for (const s of FLAG_SETTINGS) {
      assert.deepEqual(START_OPTIONS[s.flag], { type: s.type, ...(s.short ? { short: s.short } : {}), ...(s.multiple ? { multiple: true } : {}) }, s.flag);
      const args = s.type === 'boolean' ? [`--${s.flag}`] : [`--${s.flag}`, 'a', ...(s.multiple ? [`--${s.flag}`, 'b'] : [])];
      const { values } = parseArgs({ args, options: START_OPTIONS, strict: true });
      assert.deepEqual(values[s.flag], s.type === 'boolean' ? true : s.multiple ? ['a', 'b'] : 'a', s.flag);
    }
  });

  test('every entry but the command-line-only flags is a config key: the flag in camelCase, nodeArgs for --node-arg', () => {
    for (const s of SETTINGS as readonly Setting[]) {
      if (s.flag === undefined) continue;
      if (COMMAND_LINE_ONLY.includes(s.flag)) assert.equal(s.key, undefined, s.flag);
      else assert.equal(s.key, s.flag === 'node-arg' ? 'nodeArgs' : camel(s.flag));
    }
    assert.deepEqual(CONFIG_KEYS.slice(0, 4), ['script', 'args', 'env', 'cwd']);
    assert.equal(new Set(CONFIG_KEYS).size, CONFIG_KEYS.length, 'no key is listed twice');
    for (const key of CONFIG_KEYS) assert.equal(settingForKey(key)?.key, key);
  });

  test('the config file takes every key, as the value its flag would have', async () => {
    for (const s of FLAG_SETTINGS) {
      if (s.key === undefined) continue;
      const config = await load({ [s.key]: sample(s) });
      assert.deepEqual(config.values, { [s.flag]: sample(s) }, s.key);
      assert.match(config.origin[s.flag]!, new RegExp(`^"${s.key}" in `));
    }
    const files = await load({ script: 'app.js', args: ['--port', '9'], env: { A: 'b' }, cwd: '.' });
    assert.deepEqual({ ...files, path: '' }, { path: '', values: {}, origin: {}, script: join(dir, 'app.js'), args: ['--port', '9'], env: { A: 'b' }, cwd: dir });
  });

  test('the config file refuses the command-line-only flags as keys, saying they go on the command line', async () => {
    for (const key of COMMAND_LINE_ONLY) {
      await assert.rejects(load({ [key]: true }), { code: 'BATON_USAGE', message: new RegExp(`^"${key}" cannot be set in .*: --${key} says how this one "baton start" runs, so it is given on the command line \\(baton start --${key} \\.\\.\\.\\)$`) });
    }
  });

  test('an unknown key is refused with the key most likely meant and every known key', async () => {
    await assert.rejects(load({ wrokers: 2 }), { code: 'BATON_USAGE', message: new RegExp(`^unknown key "wrokers" in .*\\. Did you mean "workers"\\? Known keys: ${CONFIG_KEYS.join(', ')}$`) });
    await assert.rejects(load({ readytimeout: '2s' }), { message: /Did you mean "readyTimeout"\?/ });
    await assert.rejects(load({ frobnicate: 1 }), { message: /^unknown key "frobnicate" in .*\. Known keys: / });
  });

  test('a key spelled as its flag is read as that key, but not node-arg (its key is nodeArgs)', async () => {
    assert.deepEqual((await load({ 'ready-timeout': '2s' })).values, { 'ready-timeout': '2s' });
    await assert.rejects(load({ 'node-arg': ['--x'] }), { message: /^unknown key "node-arg" .*Did you mean "nodeArgs"\?/ });
    await assert.rejects(load({ nodeArg: ['--x'] }), { message: /^unknown key "nodeArg" .*Did you mean "nodeArgs"\?/ });
  });

  test('every setting resolves to a MasterOptions field, and every field but nodePath and source comes from one', () => {
    const fields = (SETTINGS as readonly Setting[]).flatMap((s) => (s.field === undefined ? [] : [s.field]));
    assert.equal(new Set(fields).size, fields.length, 'no field is set by two settings');
    const resolved = Object.keys(resolveStartOptions({}, ['app.js'], [], dir)).filter((key) => key !== 'nodePath' && key !== 'source');
    assert.deepEqual([...fields].sort(), resolved.sort());
    for (const s of FLAG_SETTINGS) assert.equal(s.field === undefined, COMMAND_LINE_ONLY.includes(s.flag), s.flag);
  });

  test('a reload applies exactly the settings marked "reload": what new workers need', () => {
    const marked = (SETTINGS as readonly Setting[]).filter((s) => s.applies === 'reload').map((s) => s.field);
    assert.deepEqual([...RELOAD_APPLIED].sort(), [...marked].sort());
    assert.deepEqual(
      [...RELOAD_APPLIED].sort(),
      ['app', 'appArgs', 'env', 'nodeArgs', 'cwd', 'readyTimeoutMs', 'drainTimeoutMs', 'maxDraining', 'warmUpMs', 'stallTimeoutMs', 'killTimeoutMs', 'batch', 'waitReady', 'maxMemoryBytes'].sort(),
    );
    assert.equal(flagSetting('listen').applies, 'never', 'listeners never change while baton runs');
    assert.equal(flagSetting('workers').applies, 'upgrade');
  });

  test('the defaults are the ones start has always had (and --warm-up, new)', () => {
    assert.deepEqual(
      FLAG_SETTINGS.flatMap((s) => (s.default === undefined ? [] : [[s.flag, s.default]])),
      [['workers', '2'], ['listen', '3000'], ['batch', '1'], ['ready-timeout', '30s'], ['drain-timeout', '30s'], ['warm-up', '3s'], ['stall-timeout', '30s'], ['kill-timeout', '5s'], ['log-format', 'text'], ['upgrade-timeout', '60s'], ['control', '.baton.sock']],
    );
    assert.equal(defaultOf('upgrade-timeout'), '60s');
    assert.equal(flagSetting('pid-file').daemonDefault, 'baton.pid');
    assert.equal(flagSetting('log-file').daemonDefault, 'baton.log');
  });
});
