// The config file: baton.config.json (or .mjs/.js exporting an object) next to the app,
// or named with --config. Every start flag has a key, the flag's name in camelCase
// (--ready-timeout is readyTimeout), plus script, args, env and cwd; a flag on the
// command line wins over the file. Values are checked with the flags' own parsers, and
// errors name the key and the file.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errors } from '../errors.js';

export const CONFIG_NAMES = ['baton.config.json', 'baton.config.mjs', 'baton.config.js'];

/** Keys that read better plural than their repeatable flag's name. */
const KEY_FOR_FLAG: Record<string, string> = { 'node-arg': 'nodeArgs' };

/** How a flag is typed, as node:util parseArgs sees it. */
export type FlagTypes = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

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

/** Reads and checks a config file against the flags it may set. */
export async function loadConfig(path: string, flags: FlagTypes): Promise<ConfigValues> {
  const raw = await readConfig(path);
  const result: ConfigValues = { path, values: {}, origin: {} };
  const where = (key: string) => `"${key}" in ${path}`;
  const bad = (key: string, value: unknown, allowed: string) => errors.invalidOption(where(key), value, allowed);
  const base = dirname(path);
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'script') {
      if (typeof value !== 'string' || value === '') throw bad(key, value, 'the path of the app to run, relative to the config file');
      result.script = isAbsolute(value) ? value : resolve(base, value);
    } else if (key === 'args') {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw bad(key, value, 'an array of strings passed to the app');
      result.args = value as string[];
    } else if (key === 'env') {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
        throw bad(key, value, 'an object of environment variables with string values');
      }
      result.env = value as Record<string, string>;
    } else if (key === 'cwd') {
      if (typeof value !== 'string' || value === '') throw bad(key, value, 'the directory the app runs in, relative to the config file');
      result.cwd = isAbsolute(value) ? value : resolve(base, value);
    } else {
      const flag = Object.keys(KEY_FOR_FLAG).find((f) => KEY_FOR_FLAG[f] === key) ?? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      const type = flags[flag];
      if (!type || flag === 'help' || flag === 'config' || flag === 'daemon' || (KEY_FOR_FLAG[flag] !== undefined && KEY_FOR_FLAG[flag] !== key)) {
        const known = ['script', 'args', 'env', 'cwd', ...Object.keys(flags).filter((f) => !['help', 'config', 'daemon'].includes(f)).map(camel)];
        throw errors.usage(`unknown key "${key}" in ${path}; known keys: ${known.join(', ')}`);
      }
      result.values[flag] = convert(key, value, type, bad);
      result.origin[flag] = where(key);
    }
  }
  return result;
}

function convert(key: string, value: unknown, type: FlagTypes[string], bad: (key: string, value: unknown, allowed: string) => Error): unknown {
  if (type.type === 'boolean') {
    if (typeof value !== 'boolean') throw bad(key, value, 'true or false');
    return value;
  }
  const one = (v: unknown) => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    throw bad(key, v, type.multiple ? 'a string or number, or an array of them' : 'a string or a number');
  };
  if (type.multiple) return Array.isArray(value) ? value.map(one) : [one(value)];
  return one(value);
}

function camel(flag: string): string {
  return KEY_FOR_FLAG[flag] ?? flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

async function readConfig(path: string): Promise<Record<string, unknown>> {
  let value: unknown;
  if (path.endsWith('.json')) {
    try {
      value = JSON.parse(await readFile(path, 'utf8'));
    } catch (err) {
      throw errors.usage(`cannot read config file ${path}: ${(err as Error).message}`);
    }
  } else {
    try {
      // A query string makes a reload read the file as it is now, not a cached copy.
      const module = (await import(`${pathToFileURL(path).href}?t=${Date.now()}`)) as { default?: unknown };
      value = module.default;
    } catch (err) {
      throw errors.usage(`cannot load config file ${path}: ${(err as Error).message}`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw errors.usage(`config file ${path} must ${path.endsWith('.json') ? 'hold a JSON object' : 'export an object as its default export'}`);
  }
  return value as Record<string, unknown>;
}
