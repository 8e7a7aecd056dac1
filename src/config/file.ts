// The config file: baton.config.json (or .mjs/.cjs/.js exporting an object) next to the app,
// or named with --config. Its keys are those of start's settings (schema.ts): each flag's
// name in camelCase (--ready-timeout is readyTimeout), plus script, args, env and cwd; a
// flag on the command line wins over the file. Values are checked with the flags' own
// parsers, and errors name the key and the file.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errors } from '../errors.js';
import { closest } from '../suggest.js';
import { CONFIG_KEYS, FLAG_SETTINGS, settingForKey } from './schema.js';
import type { FileSetting, FlagSetting } from './schema.js';

/** The file names looked for next to the app, in order. */
export const CONFIG_NAMES = ['baton.config.json', 'baton.config.mjs', 'baton.config.cjs', 'baton.config.js'];

/** A config file, checked: flag-shaped values for the flags it sets, and the file-only keys. */
export interface ConfigValues {
  path: string;
  /** Flag-shaped values (as parseArgs would give them), keyed by flag name. */
  values: Record<string, unknown>;
  /** For messages: flag name → `"key" in /path/baton.config.json`. */
  origin: Record<string, string>;
  script?: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** The config file to use: --config, else the first of CONFIG_NAMES in `dir`. */
export function findConfig(explicit: string | undefined, dir: string, cwd = process.cwd()): string | undefined {
  if (explicit !== undefined) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) throw errors.usage(`config file not found: ${path} (from --config)`);
    return path;
  }
  return CONFIG_NAMES.map((name) => join(dir, name)).find((path) => existsSync(path));
}

/** Reads and checks a config file against start's settings (SETTINGS in schema.ts). */
export async function loadConfig(path: string): Promise<ConfigValues> {
  const raw = await readConfigFile(path, 'config file');
  return { path, ...checkConfig(raw, (key) => `"${key}" in ${path}`, dirname(path), path) };
}

/**
 * Checks settings shaped as a config file's (a file's contents, an ecosystem app's baton
 * keys, the options of the API's start()): `where` names a key in messages, `source` the
 * whole, and relative paths of the file-only keys resolve against `base`.
 */
export function checkConfig(raw: Record<string, unknown>, where: (key: string) => string, base: string, source: string): Omit<ConfigValues, 'path'> {
  const result: Omit<ConfigValues, 'path'> = { values: {}, origin: {} };
  const bad = (key: string, value: unknown, allowed: string) => errors.invalidOption(where(key), value, allowed);
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const setting = settingForKey(key) ?? settingForFlagSpelling(key);
    if (!setting) throw unknownKey(key, source);
    if (setting.flag === undefined) {
      // script, args, env and cwd have fields of their own on ConfigValues, named as the key.
      Object.assign(result, { [setting.key]: fileValue(key, value, setting, base, bad) });
    } else {
      result.values[setting.flag] = flagValue(key, value, setting, bad);
      result.origin[setting.flag] = where(key);
    }
  }
  return result;
}

/** A key no setting has: a flag that only the command line takes, or most likely a typo. */
function unknownKey(key: string, source: string): Error {
  const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const commandLineOnly = FLAG_SETTINGS.find((s) => s.key === undefined && (s.flag === key || camel(s.flag) === key));
  if (commandLineOnly) {
    return errors.usage(`"${key}" cannot be set in ${source}: --${commandLineOnly.flag} says how this one "baton start" runs, so it is given on the command line (baton start --${commandLineOnly.flag} ...)`);
  }
  const guess = closest(key, CONFIG_KEYS);
  return errors.usage(`unknown key "${key}" in ${source}.${guess ? ` Did you mean "${guess}"?` : ''} Known keys: ${CONFIG_KEYS.join(', ')}`);
}

/**
 * A key spelled as its flag (ready-timeout for readyTimeout) has always been read as
 * that key; it still is, except where the key is not simply the flag in camelCase
 * (node-arg, whose key is nodeArgs).
 */
function settingForFlagSpelling(key: string): FlagSetting | undefined {
  const setting = FLAG_SETTINGS.find((s) => s.flag === key);
  return setting?.key !== undefined && setting.key === key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) ? setting : undefined;
}

type Bad = (key: string, value: unknown, allowed: string) => Error;

/** A flag's value as parseArgs would give it: a boolean, a string, or (repeatable) an array of strings. */
function flagValue(key: string, value: unknown, setting: FlagSetting, bad: Bad): unknown {
  if (setting.type === 'boolean') {
    if (typeof value !== 'boolean') throw bad(key, value, 'true or false');
    return value;
  }
  const one = (v: unknown) => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    throw bad(key, v, setting.multiple ? 'a string or number, or an array of them' : 'a string or a number');
  };
  if (setting.multiple) return Array.isArray(value) ? value.map(one) : [one(value)];
  return one(value);
}

/** A file-only key's value; paths resolve against the config file's directory. */
function fileValue(key: string, value: unknown, setting: FileSetting, base: string, bad: Bad): string | string[] | Record<string, string> {
  switch (setting.type) {
    case 'path':
      if (typeof value !== 'string' || value === '') throw bad(key, value, setting.expects);
      return isAbsolute(value) ? value : resolve(base, value);
    case 'strings':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw bad(key, value, setting.expects);
      return value as string[];
    case 'env':
      if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
        throw bad(key, value, setting.expects);
      }
      return value as Record<string, string>;
  }
}

/**
 * Reads a JSON file, or loads a JavaScript module in either format (ES module or
 * CommonJS), that must hold (or export) an object; `what` names it in messages.
 */
export async function readConfigFile(path: string, what: string): Promise<Record<string, unknown>> {
  let value: unknown;
  if (path.endsWith('.json')) {
    try {
      value = JSON.parse(await readFile(path, 'utf8'));
    } catch (err) {
      throw errors.usage(`cannot read ${what} ${path}: ${(err as Error).message}`);
    }
  } else {
    try {
      // A query string makes a reload read the file as it is now, not a cached copy.
      // CommonJS (module.exports = {...}) comes back as the default export too.
      const module = (await import(`${pathToFileURL(path).href}?t=${Date.now()}`)) as { default?: unknown };
      value = transpiledDefault(module.default);
    } catch (err) {
      throw errors.usage(`cannot load ${what} ${path}: ${(err as Error).message.split('\n')[0]}${await moduleHint(path)}`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw errors.usage(`${what} ${path} must ${path.endsWith('.json') ? 'hold a JSON object' : 'export an object: export default { ... } (ES module) or module.exports = { ... } (CommonJS)'}`);
  }
  return value as Record<string, unknown>;
}

/** CommonJS written by TypeScript or Babel (exports.__esModule, exports.default): its default. */
function transpiledDefault(value: unknown): unknown {
  const module = value as { __esModule?: unknown; default?: unknown } | null;
  return typeof module === 'object' && module !== null && module.__esModule === true && 'default' in module ? module.default : value;
}

/**
 * What to do when a config module does not load because it is written as the other
 * kind of module: a .js file is CommonJS unless the nearest package.json says
 * "type": "module", whatever its syntax.
 */
export async function moduleHint(path: string): Promise<string> {
  if (!path.endsWith('.js')) return '';
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return '';
  }
  const stem = basename(path).slice(0, -'.js'.length);
  const esm = /^\s*(export|import)\s/m.test(text);
  const cjs = /\bmodule\.exports\b|\bexports\.\w+\s*=/.test(text);
  const type = (await packageType(dirname(path))) ?? 'commonjs';
  if (esm && type === 'commonjs') {
    return `. It uses export, but a .js file here is CommonJS (no "type": "module" in the nearest package.json): rename it ${stem}.mjs, or write module.exports = { ... }`;
  }
  if (cjs && type === 'module') {
    return `. It uses module.exports, but a .js file here is an ES module ("type": "module" in the nearest package.json): rename it ${stem}.cjs, or write export default { ... }`;
  }
  return '';
}

/** The "type" of the package.json nearest to dir ("module" or "commonjs"), if one says. */
async function packageType(dir: string): Promise<string | undefined> {
  for (let at = dir; ; at = dirname(at)) {
    try {
      const pkg = JSON.parse(await readFile(join(at, 'package.json'), 'utf8')) as { type?: unknown };
      return pkg.type === 'module' ? 'module' : 'commonjs';
    } catch {
      // No (readable) package.json here: look further up.
    }
    if (dirname(at) === at) return undefined;
  }
}
