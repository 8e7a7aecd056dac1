// Every setting of baton start, listed once: its flag, its config-file key, its type,
// default, help and when a change takes effect. Start's flags, the config file's keys,
// start's help and what a reload applies are all derived from this one table.
import type { ParseArgsConfig } from 'node:util';
import type { MasterOptions } from './options.js';

/**
 * When a changed value takes effect while baton runs: at the next reload (what new
 * workers need), at the next upgrade (what the master itself holds), or never (fixed
 * until a restart: the listeners, and how this one `baton start` runs).
 */
export type Applies = 'reload' | 'upgrade' | 'never';

interface Common {
  /** The config-file key (the flag in camelCase), or undefined when only the command line sets it. */
  readonly key: string | undefined;
  /** The MasterOptions field the setting resolves to, if it has one. */
  readonly field: keyof MasterOptions | undefined;
  readonly applies: Applies;
}

/** A flag of baton start; with a key, the config file can set it too. */
export interface FlagSetting extends Common {
  /** The long flag, without the dashes. */
  readonly flag: string;
  readonly short?: string;
  /** As node:util parseArgs types it; `multiple` means the flag can be repeated. */
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  /** How help names the value: `<n|max>`. */
  readonly arg?: string;
  /** The value (as it would be typed) when neither flag nor file gives one; absent when the feature is off by default. */
  readonly default?: string;
  /** The value with --daemon when none is given (pid and log file). */
  readonly daemonDefault?: string;
  /** Help lines; `{default}` and `{daemon}` stand for the values above, so help cannot drift from them. */
  readonly help: readonly string[];
}

/**
 * A key only the config file has. On the command line the app is the positional
 * argument and its arguments follow "--"; env and cwd are baton's own.
 */
export interface FileSetting extends Common {
  readonly flag?: undefined;
  readonly key: 'script' | 'args' | 'env' | 'cwd';
  /** path: a non-empty string, relative to the config file; strings: an array of strings; env: an object of strings. */
  readonly type: 'path' | 'strings' | 'env';
  readonly field: keyof MasterOptions;
  /** What the file must hold, as a bad value's message says it ("expected ..."). */
  readonly expects: string;
}

/** One setting of baton start. */
export type Setting = FlagSetting | FileSetting;

/** Every setting, in the order help and messages list them: the file-only keys, then the flags. */
export const SETTINGS = [
  { key: 'script', type: 'path', field: 'app', applies: 'reload', expects: 'the path of the app to run, relative to the config file' },
  { key: 'args', type: 'strings', field: 'appArgs', applies: 'reload', expects: 'an array of strings passed to the app' },
  { key: 'env', type: 'env', field: 'env', applies: 'reload', expects: 'an object of environment variables with string values' },
  { key: 'cwd', type: 'path', field: 'cwd', applies: 'reload', expects: 'the directory the app runs in, relative to the config file' },
  {
    // Fixed for this master's life but read again by its successor: an upgrade may rename the app.
    flag: 'name', type: 'string', arg: '<name>', key: 'name', field: 'name', applies: 'upgrade',
    help: ["the app's name on this host, for baton ls, baton <command> <name>", "and baton startup (default: the script's name without extension)"],
  },
  {
    flag: 'workers', short: 'w', type: 'string', arg: '<n|max>', key: 'workers', field: 'workers', applies: 'upgrade', default: '2',
    help: ['worker processes (default {default}; max = one per CPU)'],
  },
  {
    flag: 'listen', short: 'l', type: 'string', multiple: true, arg: '<address>', key: 'listen', field: 'listen', applies: 'never', default: '3000',
    help: ['port, host:port, [ipv6]:port or unix socket path; repeat for', 'several (default {default}, all interfaces)'],
  },
  {
    flag: 'batch', type: 'string', arg: '<n|n%>', key: 'batch', field: 'batch', applies: 'reload', default: '1',
    help: ['workers replaced at a time by a reload (default {default})'],
  },
  {
    flag: 'ready-timeout', type: 'string', arg: '<dur>', key: 'readyTimeout', field: 'readyTimeoutMs', applies: 'reload', default: '30s',
    help: ['how long a new worker may take to be ready (default {default})'],
  },
  {
    flag: 'drain-timeout', type: 'string', arg: '<dur>', key: 'drainTimeout', field: 'drainTimeoutMs', applies: 'reload', default: '30s',
    help: ['how long a draining worker may take before SIGTERM (default {default})'],
  },
  {
    flag: 'max-draining', type: 'string', arg: '<n>', key: 'maxDraining', field: 'maxDraining', applies: 'reload',
    help: ['old workers that may drain at once, in the background; past it a', 'reload waits for one to finish (default: the number of workers)'],
  },
  {
    flag: 'warm-up', type: 'string', arg: '<dur>', key: 'warmUp', field: 'warmUpMs', applies: 'reload', default: '3s',
    help: ['a new worker takes its share of connections gradually over this', 'time, and the old worker it replaces (if it has connections)', 'serves until then (default {default}; 0 = drain it at once)'],
  },
  {
    flag: 'stall-timeout', type: 'string', arg: '<dur>', key: 'stallTimeout', field: 'stallTimeoutMs', applies: 'reload', default: '30s',
    help: ['a ready worker whose event loop sends no heartbeat this long is', 'stuck: it is killed (SIGKILL) and replaced (default {default}; 0 = off)'],
  },
  {
    flag: 'kill-timeout', type: 'string', arg: '<dur>', key: 'killTimeout', field: 'killTimeoutMs', applies: 'reload', default: '5s',
    help: ['how long after SIGTERM before SIGKILL (default {default})'],
  },
  {
    flag: 'wait-ready', type: 'boolean', key: 'waitReady', field: 'waitReady', applies: 'reload',
    help: ['a worker is ready only once the app calls ready() from', 'baton-supervisor/worker'],
  },
  {
    flag: 'watch', type: 'boolean', key: 'watch', field: 'watch', applies: 'upgrade',
    help: ["development: reload when files under the app's directory change", '(not node_modules, dot-files or dot-directories)'],
  },
  {
    flag: 'node-arg', type: 'string', multiple: true, arg: '<flag>', key: 'nodeArgs', field: 'nodeArgs', applies: 'reload',
    help: ['a Node.js flag for the workers; repeat for several, and write', 'flags that start with a dash as --node-arg=--import=tsx'],
  },
  {
    flag: 'pid-file', type: 'string', arg: '<path>', key: 'pidFile', field: 'pidFile', applies: 'upgrade', daemonDefault: 'baton.pid',
    help: ["keep the live master's pid in this file (follows upgrades;", 'default none, ./{daemon} with --daemon)'],
  },
  {
    flag: 'log-file', type: 'string', arg: '<path>', key: 'logFile', field: 'logFile', applies: 'upgrade', daemonDefault: 'baton.log',
    help: [
      "write the master's and the workers' lines to this file (append)",
      'instead of the terminal (default none, ./{daemon}',
      'with --daemon); SIGUSR1 or baton logs --reopen reopens it',
    ],
  },
  {
    flag: 'log-format', type: 'string', arg: '<fmt>', key: 'logFormat', field: 'logFormat', applies: 'upgrade', default: 'text',
    help: ['text or json, one JSON object per line (default {default})'],
  },
  {
    flag: 'daemon', type: 'boolean', key: undefined, field: undefined, applies: 'never',
    help: ['run in the background: return once the cluster is ready (exit 0,', 'master pid printed) or failed (exit 1, reason from the log)'],
  },
  {
    flag: 'health', type: 'string', arg: '<host:port>', key: 'health', field: 'health', applies: 'upgrade',
    help: ['serve GET /healthz and /readyz for a load balancer (default off)'],
  },
  {
    flag: 'metrics', type: 'string', arg: '<host:port>', key: 'metrics', field: 'metrics', applies: 'upgrade',
    help: ['serve Prometheus metrics on GET /metrics (default off)'],
  },
  {
    flag: 'max-memory', type: 'string', arg: '<size>', key: 'maxMemory', field: 'maxMemoryBytes', applies: 'reload',
    help: ['replace a worker whose memory (RSS) exceeds this, without a gap', '(e.g. 512MB; default off)'],
  },
  {
    // No default value: absent means no grace (0), a value the flag itself refuses (it takes at least 1ms).
    flag: 'lb-grace', type: 'string', arg: '<dur>', key: 'lbGrace', field: 'lbGraceMs', applies: 'upgrade',
    help: ['with --health, on every stop (SIGTERM, SIGINT, baton stop) answer', '/healthz 503 this long before draining, so the load balancer', 'takes the host out (default 0)'],
  },
  {
    flag: 'upgrade-timeout', type: 'string', arg: '<dur>', key: 'upgradeTimeout', field: 'upgradeTimeoutMs', applies: 'upgrade', default: '60s',
    help: ['how long a new master may take to be ready (default {default})'],
  },
  {
    // Which file to read is fixed at start: reloads and upgrades read the same one again.
    flag: 'config', type: 'string', arg: '<path>', key: undefined, field: undefined, applies: 'never',
    help: ['config file (default: baton.config.json, .mjs, .cjs or .js next', 'to the app, or in the current directory when no app is given)'],
  },
  {
    flag: 'control', type: 'string', arg: '<path>', key: 'control', field: 'control', applies: 'upgrade', default: '.baton.sock',
    help: ['control socket (default ./{default}, env BATON_CONTROL)'],
  },
  { flag: 'help', short: 'h', type: 'boolean', key: undefined, field: undefined, applies: 'never', help: ['show this help'] },
] as const satisfies readonly Setting[];

type Entry = (typeof SETTINGS)[number];

/** The name of a flag of baton start. */
export type StartFlag = Extract<Entry, { flag: string }>['flag'];

/** A flag of baton start that has a default value. */
export type FlagWithDefault = Extract<Entry, { default: string }>['flag'];

/** The value a config key takes, by its setting's type (numbers are read as their text). */
type ConfigValue<S> = S extends { type: 'boolean' }
  ? boolean
  : S extends { multiple: true }
    ? string | number | ReadonlyArray<string | number>
    : S extends { type: 'string' }
      ? string | number
      : S extends { type: 'strings' }
        ? readonly string[]
        : S extends { type: 'env' }
          ? Readonly<Record<string, string>>
          : string;

/** A config file's contents, typed from the table: every key optional (the API's start() takes the same). */
export type BatonConfig = { [S in Extract<Entry, { key: string }> as S['key']]?: ConfigValue<S> };

const ALL: readonly Setting[] = SETTINGS;

/** The flags of baton start, in help order. */
export const FLAG_SETTINGS: readonly FlagSetting[] = ALL.filter((s): s is FlagSetting => s.flag !== undefined);

/** The setting of one start flag. */
export function flagSetting(flag: StartFlag): FlagSetting {
  const setting = FLAG_SETTINGS.find((s) => s.flag === flag);
  if (!setting) throw new Error(`no start setting --${flag}`); // Unreachable: StartFlag comes from the table.
  return setting;
}

/** A flag's default value, as it would be typed. */
export function defaultOf(flag: FlagWithDefault): string {
  const value = flagSetting(flag).default;
  if (value === undefined) throw new Error(`--${flag} has no default`); // Unreachable: FlagWithDefault says it has.
  return value;
}

/** What --pid-file or --log-file is with --daemon and no value. */
export function daemonDefaultOf(flag: 'pid-file' | 'log-file'): string {
  const value = flagSetting(flag).daemonDefault;
  if (value === undefined) throw new Error(`--${flag} has no daemon default`); // Unreachable: both entries have one.
  return value;
}

type ParseArgsOptions = NonNullable<ParseArgsConfig['options']>;

/** One flag as node:util parseArgs takes it. */
export function parseArgsOption(setting: FlagSetting): ParseArgsOptions[string] {
  return { type: setting.type, ...(setting.short ? { short: setting.short } : {}), ...(setting.multiple ? { multiple: true } : {}) };
}

/** baton start's flags as node:util parseArgs takes them (strict: anything else is an error). */
export const START_OPTIONS: ParseArgsOptions = Object.fromEntries(FLAG_SETTINGS.map((s) => [s.flag, parseArgsOption(s)]));

/** Every config-file key, in the order an "unknown key" message lists them. */
export const CONFIG_KEYS: readonly string[] = ALL.flatMap((s) => (s.key === undefined ? [] : [s.key]));

/** The setting a config-file key names, if any. */
export function settingForKey(key: string): Setting | undefined {
  return ALL.find((s) => s.key === key);
}

/**
 * The MasterOptions fields a reload copies from the config as it is then: what its new
 * workers need. Every other change waits for the next upgrade (and listeners for a restart).
 */
export const RELOAD_APPLIED: ReadonlyArray<keyof MasterOptions> = ALL.flatMap((s) => (s.applies === 'reload' && s.field !== undefined ? [s.field] : []));
