// PM2's ecosystem file, translated: each app of `apps: [...]` becomes the settings of one
// baton master, written as baton's config-file keys with absolute paths. Nothing is
// dropped silently: a key baton does not use, or uses differently, comes back as a
// notice with the reason, for the one warning `baton start` prints. Pure: no file is
// read here (ecosystem-file.ts loads the file), and the CPU count is given.
import { basename, extname, resolve } from 'node:path';
import { errors } from '../errors.js';
import { closest } from '../suggest.js';
import { PM2_ALIASES, PM2_FILE_KEYS, PM2_UNSUPPORTED } from './pm2-keys.js';
import { CONFIG_KEYS } from './schema.js';
import type { BatonConfig } from './schema.js';
import { parseSize } from './size.js';

export interface EcosystemContext {
  /** The ecosystem file, for messages. */
  file: string;
  /** Where baton start runs: an app's relative cwd resolves here, as PM2 resolves it. */
  cwd: string;
  /** The home directory, for paths that start with "~" (PM2 expands them). */
  home: string;
  /** The number of CPUs, for negative instances (-1: all but one). */
  cpus: number;
  /** --env <profile>: merge each app's env_<profile> over its env. */
  profile?: string;
  /** --only: the names of the apps to start. */
  only?: readonly string[];
}

/** A key baton does not use as PM2 did, and why. */
export interface Notice {
  key: string;
  why: string;
}

/** One app of the file, as the settings of its own baton master. */
export interface EcosystemApp {
  name: string;
  /** baton's config-file keys; every path in them is absolute. */
  config: BatonConfig;
  /** How a message names each config key: the PM2 key it came from. */
  origin: Record<string, string>;
  /** interpreter: the node binary the app's master and workers run on (absolute); undefined for baton's own. */
  node?: string;
  notices: Notice[];
}

export interface Ecosystem {
  apps: EcosystemApp[];
  /** Apps left out because they say autostart: false (and --only does not name them). */
  skipped: string[];
  /** Keys of the file itself (deploy, ...) that baton does not use. */
  notices: Notice[];
}

/** A name names the app's files and is how baton's commands find it; "all" means every app. */
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$/;
/** PM2 keys this module translates (after aliases); env_<profile> keys are matched apart. */
const TRANSLATED = new Set([
  'name', 'script', 'args', 'cwd', 'instances', 'exec_mode', 'env', 'node_args', 'interpreter', 'max_memory_restart', 'wait_ready',
  'listen_timeout', 'kill_timeout', 'watch', 'out_file', 'error_file', 'log_file', 'merge_logs', 'log_type', 'port', 'autostart',
]);
/** The baton key each PM2 key becomes: an app must not give both. */
const BECOMES: Readonly<Record<string, string>> = {
  instances: 'workers', node_args: 'nodeArgs', max_memory_restart: 'maxMemory', wait_ready: 'waitReady', listen_timeout: 'readyTimeout',
  kill_timeout: 'killTimeout', out_file: 'logFile', error_file: 'logFile', log_file: 'logFile', log_type: 'logFormat',
};
/** Commands PM2 finds in PATH and runs; baton runs a Node.js script. */
const COMMANDS = ['npm', 'npx', 'yarn', 'pnpm', 'node', 'bun', 'deno'];

/** Translates the file's export: the apps --only selects, each checked, with its notices. */
export function translateEcosystem(exported: unknown, ctx: EcosystemContext): Ecosystem {
  const file = exported as Record<string, unknown>;
  if (!Array.isArray(file.apps) || file.apps.length === 0) {
    throw errors.usage(`${ctx.file} has no apps: an ecosystem file exports { apps: [{ name, script, ... }, ...] }`);
  }
  const notices = Object.keys(file).flatMap((key) => (key === 'apps' ? [] : [{ key, why: PM2_FILE_KEYS[key] ?? 'not a key of a PM2 ecosystem file' }]));
  const raws = file.apps.map((raw, i) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw errors.usage(`app ${i + 1} of ${ctx.file} is not an object: each app is { name, script, ... }`);
    return canonical(raw as Record<string, unknown>, `app ${i + 1} of ${ctx.file}`);
  });
  const names = raws.map((app, i) => appName(app, i, ctx.file));
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) throw errors.usage(`two apps of ${ctx.file} are named "${twice}": each app needs a name of its own`);
  const only = ctx.only?.length ? ctx.only : undefined;
  for (const name of only ?? []) {
    if (!names.includes(name)) throw errors.usage(`--only names "${name}", which is no app of ${ctx.file} (its apps: ${names.join(', ')})`);
  }
  const chosen = raws.flatMap((app, i) => (only === undefined || only.includes(names[i]!) ? [{ app, name: names[i]! }] : []));
  const skipped = only === undefined ? chosen.filter(({ app }) => app.autostart === false).map(({ name }) => name) : [];
  const apps = chosen.filter(({ name }) => !skipped.includes(name)).map(({ app, name }) => translateApp(app, name, ctx));
  const profile = ctx.profile;
  if (profile !== undefined && !chosen.some(({ app }) => `env_${profile}` in app)) {
    const profiles = [...new Set(raws.flatMap((app) => Object.keys(app).filter((k) => k.startsWith('env_')).map((k) => k.slice(4))))];
    throw errors.usage(`--env ${profile}: no app of ${ctx.file} has env_${profile}${profiles.length ? ` (its profiles: ${profiles.join(', ')})` : ''}`);
  }
  return { apps, skipped, notices };
}

/** One app: PM2's keys into baton's (config keys given as baton's own are taken as they are). */
export function translateApp(app: Record<string, unknown>, name: string, ctx: EcosystemContext): EcosystemApp {
  const label = `app "${name}" of ${ctx.file}`;
  const where = (key: string) => `"${key}" of ${label}`;
  const bad = (key: string, allowed: string): never => {
    throw errors.invalidOption(where(key), app[key], allowed);
  };
  const config: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  const notices: Notice[] = [];
  const set = (bKey: string, value: unknown, from: string) => {
    config[bKey] = value;
    origin[bKey] = where(from);
  };
  const path = (value: string, base: string) => (value.startsWith('~/') ? resolve(ctx.home, value.slice(2)) : resolve(base, value));

  for (const [key, bKey] of Object.entries(BECOMES)) {
    if (app[key] !== undefined && app[bKey] !== undefined) throw errors.usage(`${label} has both "${key}" (PM2's) and "${bKey}" (baton's): keep one`);
  }
  // Keys of baton's own config pass through: the launch checks them as a config file's.
  for (const key of CONFIG_KEYS) if (!TRANSLATED.has(key) && app[key] !== undefined) set(key, app[key], key);

  const cwd = app.cwd === undefined ? ctx.cwd : typeof app.cwd === 'string' && app.cwd !== '' ? path(app.cwd, ctx.cwd) : bad('cwd', 'a directory');
  set('cwd', cwd, 'cwd');
  const script = app.script;
  if (typeof script !== 'string' || script === '') throw errors.usage(`${label} has no "script": the path of the file that starts the server`);
  if (COMMANDS.includes(script)) {
    throw errors.usage(`${label} runs the command "${script}"; baton runs a Node.js script itself: give the path of your server's entry file as "script" (the file "${script} start" would run)`);
  }
  set('script', path(script, cwd), 'script');
  if (app.args !== undefined) set('args', words(app.args, () => bad('args', 'a string or an array of strings')), 'args');
  if (app.node_args !== undefined) set('nodeArgs', words(app.node_args, () => bad('node_args', 'a string or an array of strings')), 'node_args');

  const workers = instances(app.instances, ctx.cpus, () => bad('instances', 'a number of instances, "max" (one per CPU) or a negative number (all CPUs but that many)'));
  if (config.workers === undefined) set('workers', workers ?? 1, 'instances');
  const mode = app.exec_mode;
  if (mode !== undefined && !['fork', 'fork_mode', 'cluster', 'cluster_mode'].includes(mode as string)) bad('exec_mode', '"cluster" or "fork"');
  if (typeof mode === 'string' && mode.startsWith('fork') && config.workers !== 1) {
    const count = config.workers === 'max' ? 'one worker per CPU' : `${String(config.workers)} workers`;
    notices.push({ key: 'exec_mode', why: `"${mode}": baton runs ${count}, sharing the app's listeners, as PM2's cluster mode does` });
  }

  const env = { ...envObject(app.env, 'env') };
  const profile = ctx.profile === undefined ? undefined : `env_${ctx.profile}`;
  if (profile !== undefined && profile in app) Object.assign(env, envObject(app[profile], profile));
  else if (profile !== undefined) notices.push({ key: profile, why: `not in this app: it gets its env without a profile` });
  if (app.port !== undefined) {
    if (typeof app.port !== 'number' && typeof app.port !== 'string') bad('port', 'a port number');
    env.PORT = String(app.port);
  }
  if (Object.keys(env).length > 0) set('env', env, profile !== undefined && profile in app ? profile : 'env');
  if (config.listen === undefined && env.PORT !== undefined) set('listen', [env.PORT], app.port !== undefined ? 'port' : 'env.PORT');
  else if (config.listen === undefined) notices.push({ key: 'PORT', why: 'the app says nowhere where it listens (no PORT in its env): baton gives it its default listener, port 3000' });

  const interpreter = app.interpreter;
  let node: string | undefined;
  if (interpreter !== undefined && interpreter !== 'node') {
    if (typeof interpreter !== 'string' || !interpreter.includes('/') || !/node/i.test(basename(interpreter)) || interpreter.includes('@')) {
      bad('interpreter', 'the path of a node binary, e.g. /opt/node-22/bin/node: baton runs Node.js apps, the master and workers on that node');
    }
    node = path(interpreter as string, ctx.cwd);
    origin.node = where('interpreter');
  }
  if (app.max_memory_restart !== undefined) {
    const size = typeof app.max_memory_restart === 'number' ? String(app.max_memory_restart) : app.max_memory_restart;
    if (typeof size !== 'string') bad('max_memory_restart', 'a size: bytes, or a number followed by K, M or G');
    parseSize(where('max_memory_restart'), size as string);
    set('maxMemory', size, 'max_memory_restart');
  }
  if (app.wait_ready !== undefined) set('waitReady', flag(app.wait_ready, () => bad('wait_ready', 'true or false')), 'wait_ready');
  for (const [key, bKey] of [['listen_timeout', 'readyTimeout'], ['kill_timeout', 'killTimeout']] as const) {
    if (app[key] === undefined) continue;
    const ms = Number(app[key]);
    if (!Number.isFinite(ms) || ms <= 0 || typeof app[key] === 'boolean') bad(key, 'a number of milliseconds');
    set(bKey, `${ms}ms`, key);
  }
  if (app.watch !== undefined && app.watch !== false) {
    if (app.watch !== true) notices.push({ key: 'watch', why: "baton watches the app's whole directory; the paths listed are not used" });
    set('watch', true, 'watch');
  }
  logs(app, notices, set, (v) => path(v, cwd), bad);
  if (app.autostart !== undefined && typeof app.autostart !== 'boolean') bad('autostart', 'true or false');

  for (const key of Object.keys(app)) {
    if (TRANSLATED.has(key) || CONFIG_KEYS.includes(key) || /^env_./.test(key)) continue;
    if (key === 'autorestart' && app[key] === true) continue; // What baton does anyway.
    if (key === 'instance_var' && app[key] === 'NODE_APP_INSTANCE') continue;
    const guess = closest(key, [...TRANSLATED, ...Object.keys(PM2_UNSUPPORTED)]);
    notices.push({ key, why: PM2_UNSUPPORTED[key] ?? `not a PM2 or baton setting${guess ? `; did you mean "${guess}"?` : ''}` });
  }
  return { name, config: config as BatonConfig, origin, ...(node === undefined ? {} : { node }), notices };
}

/** out_file, error_file and log_file become baton's one log; merge_logs and log_type say how it is written. */
function logs(app: Record<string, unknown>, notices: Notice[], set: (bKey: string, value: unknown, from: string) => void, path: (v: string) => string, bad: (key: string, allowed: string) => never): void {
  const file = (key: string) => {
    const value = app[key];
    if (value === undefined || value === false || (key === 'log_file' && value === true)) return undefined;
    if (typeof value !== 'string' || value === '') bad(key, 'a file path');
    return value === 'NULL' ? '/dev/null' : path(value as string);
  };
  const given = (['log_file', 'out_file', 'error_file'] as const).flatMap((key) => (file(key) === undefined ? [] : [{ key, path: file(key)! }]));
  const [log, ...others] = given;
  if (log) set('logFile', log.path, log.key);
  for (const other of others) {
    if (other.path !== log!.path) notices.push({ key: other.key, why: `baton keeps one log per app, stdout and stderr of every worker: these lines go to ${log!.path} (${log!.key})` });
  }
  if (app.merge_logs === false) notices.push({ key: 'merge_logs', why: "false: baton writes every worker to the app's one log, each line tagged with its worker" });
  if (app.log_type === 'json') set('logFormat', 'json', 'log_type');
  else if (app.log_type !== undefined) notices.push({ key: 'log_type', why: 'baton writes text or json (log_type: "json")' });
}

/** PM2's instances: a count; 0 or "max" for one per CPU; -n for all CPUs but n (at least 1). */
export function instances(value: unknown, cpus: number, bad: () => never): number | 'max' | undefined {
  if (value === undefined) return undefined;
  if (value === 'max') return 'max';
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n)) bad();
  if (n === 0) return 'max';
  return n > 0 ? n : Math.max(1, cpus + n);
}

/** An env object's values as the environment holds them: text (objects as JSON, as PM2 does). */
function envObject(value: unknown, key: string): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw errors.usage(`"${key}" must be an object of environment variables, e.g. { NODE_ENV: "production" }`);
  return Object.fromEntries(
    Object.entries(value).flatMap(([k, v]) => (v === undefined || v === null ? [] : [[k, typeof v === 'object' ? JSON.stringify(v) : String(v)]])),
  );
}

/** args and node_args: an array of strings, or one string split into words as PM2 splits it (quotes group). */
export function words(value: unknown, bad: () => never): string[] {
  if (Array.isArray(value)) return value.every((v) => typeof v === 'string' || typeof v === 'number') ? value.map(String) : bad();
  if (typeof value !== 'string') return bad();
  return (value.match(/[^\s"'=]+="[^"]*"|[^\s"'=]+='[^']*'|"([^"]*)"|'([^']*)'|\S+/g) ?? []).map((w) => (/^(["']).*\1$/.test(w) ? w.slice(1, -1) : w));
}

function flag(value: unknown, bad: () => never): boolean {
  return typeof value === 'boolean' ? value : bad();
}

/** The app with PM2's aliases read as the keys they stand for. */
function canonical(app: Record<string, unknown>, label: string): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(app)) {
    const name = PM2_ALIASES[key] ?? key;
    if (result[name] !== undefined && value !== undefined) throw errors.usage(`${label} gives "${name}" twice (as "${key}" too): keep one`);
    if (value !== undefined) result[name] = value;
  }
  return result;
}

/** The app's name: its own, or (as PM2 names it) its script's file name without the extension. */
function appName(app: Record<string, unknown>, index: number, file: string): string {
  const given = app.name;
  const script = typeof app.script === 'string' ? app.script : '';
  const name = given === undefined ? basename(script, extname(script)) : given;
  if (typeof name !== 'string' || !NAME.test(name) || name === 'all') {
    const which = given === undefined ? `app ${index + 1} of ${file} (named after its script)` : `"name" of app ${index + 1} of ${file}`;
    throw errors.invalidOption(which, name, 'a name of up to 64 letters, digits, "_", ".", "@" and "-", other than "all" (it names the app\'s files, and "all" means every app)');
  }
  return name;
}

/** The one warning: every key baton does not use, or uses differently, app by app; undefined when there is none. */
export function formatNotices(file: string, ecosystem: Ecosystem): string | undefined {
  const lines = [
    ...(ecosystem.notices.length ? [`  ${basename(file)}: ${ecosystem.notices.map((n) => `${n.key} (${n.why})`).join('; ')}`] : []),
    ...ecosystem.apps.filter((a) => a.notices.length).map((a) => `  ${a.name}: ${a.notices.map((n) => `${n.key} (${n.why})`).join('; ')}`),
  ];
  return lines.length === 0 ? undefined : `warning: settings of ${file} that baton does not use, or uses differently:\n${lines.join('\n')}`;
}

/** True for a path whose name says it is an ecosystem file, as PM2 decides: *.json, *.config.js/.cjs/.mjs (not baton's own). */
export function isEcosystemName(path: string): boolean {
  const name = basename(path);
  if (/^baton\.config\./.test(name)) return false;
  return /\.json$/.test(name) || /\.config\.(c|m)?js$/.test(name);
}
