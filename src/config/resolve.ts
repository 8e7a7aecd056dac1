// baton start's settings, from flags and the config file, into MasterOptions: the flag
// wins over the file, relative paths resolve against where the value came from, and a
// bad value is rejected with an error naming the flag or the key. The master calls this
// again at every reload and upgrade, so it lives here and not in the CLI.
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { errors } from '../errors.js';
import { parseBatchSpec } from './batch.js';
import { parseDuration } from './duration.js';
import { findConfig, loadConfig } from './file.js';
import { parseListenSpec } from './listen-spec.js';
import { LOG_FORMATS } from './log-format.js';
import { parseAppName } from './name.js';
import type { LogFormat } from './log-format.js';
import { controlPath } from './options.js';
import type { MasterOptions } from './options.js';
import { defaultOf } from './schema.js';
import type { FlagWithDefault } from './schema.js';
import { parseSize } from './size.js';

/** Where a start option's values come from, for messages and relative paths. */
export interface OptionSources {
  /** Flag name → how to name it in a message (`"workers" in /srv/baton.config.json`). */
  origin?: Record<string, string>;
  /** Directory that relative paths from the config file resolve against. */
  configDir?: string;
  /**
   * Flag name → how to name it, for values that come from neither the command line nor
   * the config file (an ecosystem app, the API's start() options); paths among them are
   * already absolute.
   */
  names?: Record<string, string>;
}

/** Turns start's flags (and config values) into MasterOptions, rejecting bad values with a clear error. */
export function resolveStartOptions(
  values: Record<string, unknown>,
  positionals: string[],
  appArgs: string[],
  cwd = process.cwd(),
  sources: OptionSources = {},
): MasterOptions {
  if (positionals.length === 0) {
    throw errors.usage('missing the app to run: baton start <app.js>, or "script" in baton.config.json (see "baton start --help")');
  }
  if (positionals.length > 1) {
    throw errors.usage(`unexpected argument "${positionals[1]}"; pass arguments for the app after "--" (baton start ${positionals[0]} -- ${positionals.slice(1).join(' ')})`);
  }
  const app = resolve(cwd, positionals[0]!);
  if (!existsSync(app) || !statSync(app).isFile()) throw errors.appNotFound(app);
  const name = (flag: string) => sources.origin?.[flag] ?? sources.names?.[flag] ?? `--${flag}`;
  const base = (flag: string) => (sources.origin?.[flag] && sources.configDir) || cwd;
  const str = (flag: string) => values[flag] as string | undefined;
  const path = (flag: string) => (str(flag) === undefined ? undefined : resolve(base(flag), str(flag)!));
  const duration = (flag: FlagWithDefault) => parseDuration(name(flag), str(flag) ?? defaultOf(flag));
  /** A duration where 0 turns the feature off. */
  const zeroOr = (flag: FlagWithDefault) => (/^0+(\.0+)?(ms|s|m)?$/.test(str(flag)?.trim() ?? '') ? 0 : duration(flag));
  // No --listen: the master uses sockets from systemd if it has any, else the default (3000).
  const listen = ((values.listen as string[] | undefined) ?? []).map((spec) => parseListenSpec(spec, base('listen'), name('listen')));
  const nodeArgs = (values['node-arg'] as string[] | undefined) ?? [];
  for (const arg of nodeArgs) {
    if (!arg.startsWith('-')) throw errors.invalidOption(name('node-arg'), arg, 'a Node.js flag starting with "-", e.g. --node-arg=--max-old-space-size=512');
  }
  return {
    name: parseAppName(str('name'), app, name('name')),
    app,
    appArgs,
    workers: parseWorkers(str('workers'), name('workers')),
    listen,
    batch: parseBatchSpec(str('batch') ?? defaultOf('batch'), name('batch')),
    readyTimeoutMs: duration('ready-timeout'),
    drainTimeoutMs: duration('drain-timeout'),
    warmUpMs: zeroOr('warm-up'),
    stallTimeoutMs: zeroOr('stall-timeout'),
    maxDraining: str('max-draining') === undefined ? undefined : parseCount(str('max-draining')!, name('max-draining')),
    killTimeoutMs: duration('kill-timeout'),
    nodePath: process.execPath,
    nodeArgs,
    waitReady: values['wait-ready'] === true,
    control: resolve(base('control'), controlPath(str('control'))),
    pidFile: path('pid-file'),
    upgradeTimeoutMs: duration('upgrade-timeout'),
    health: str('health') === undefined ? undefined : parseAddress(name('health'), str('health')!, 'the health endpoint'),
    metrics: str('metrics') === undefined ? undefined : parseAddress(name('metrics'), str('metrics')!, 'the Prometheus metrics endpoint'),
    maxMemoryBytes: str('max-memory') === undefined ? undefined : parseSize(name('max-memory'), str('max-memory')!),
    lbGraceMs: str('lb-grace') === undefined ? 0 : parseDuration(name('lb-grace'), str('lb-grace')!),
    watch: values.watch === true,
    logFile: path('log-file'),
    logFormat: parseLogFormat(str('log-format'), name('log-format')),
    cwd,
    env: { ...process.env },
  };
}

/**
 * Start's options from the command line and the config file (--config, or
 * baton.config.json/.mjs/.cjs/.js next to the app, or in cwd without an app): the flag wins.
 * Called again at every reload and upgrade, so a config edit is checked before anything
 * changes.
 */
export async function resolveStart(
  flags: Record<string, unknown>,
  positionals: string[],
  appArgs: string[],
  cwd = process.cwd(),
  names: Record<string, string> = {},
): Promise<MasterOptions> {
  const dir = positionals[0] === undefined ? cwd : dirname(resolve(cwd, positionals[0]));
  const file = findConfig(flags.config as string | undefined, dir, cwd);
  const config = file === undefined ? undefined : await loadConfig(file);
  const given = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  const origin = Object.fromEntries(Object.entries(config?.origin ?? {}).filter(([flag]) => given[flag] === undefined));
  const options = resolveStartOptions(
    { ...config?.values, ...given },
    positionals.length > 0 ? positionals : config?.script ? [config.script] : [],
    appArgs.length > 0 ? appArgs : (config?.args ?? []),
    cwd,
    { origin, names, ...(file ? { configDir: dirname(file) } : {}) },
  );
  if (config?.cwd) options.cwd = config.cwd;
  if (config?.env) options.env = { ...options.env, ...config.env };
  options.source = { flags: given, positionals, appArgs, cwd, configFile: file };
  return options;
}

/** A TCP host:port for an HTTP endpoint (a bare port or port 0 is refused: say where). */
export function parseAddress(option: string, text: string, what: string): { host: string; port: number } {
  const spec = /^\d+$/.test(text) ? undefined : parseListenSpec(text);
  if (!spec || spec.kind !== 'tcp' || spec.port === 0) {
    throw errors.invalidOption(option, text, `host:port for ${what}, e.g. 127.0.0.1:9000 or [::1]:9000`);
  }
  return { host: spec.host, port: spec.port };
}

/** --log-format: one of LOG_FORMATS (the default when absent). */
export function parseLogFormat(text: string | undefined, option = '--log-format'): LogFormat {
  if (text === undefined) return parseLogFormat(defaultOf('log-format'), option);
  if ((LOG_FORMATS as readonly string[]).includes(text)) return text as LogFormat;
  throw errors.invalidOption(option, text, LOG_FORMATS.join(' or '));
}

/** A whole number of processes, 1 to 1024 (--max-draining). */
export function parseCount(text: string, option: string): number {
  if (/^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= 1024) return Number(text);
  throw errors.invalidOption(option, text, 'a whole number from 1 to 1024');
}

/** --workers: 1 to 1024, or "max" for one per CPU (the default when absent). */
export function parseWorkers(text: string | undefined, option = '--workers'): number {
  if (text === undefined) return parseWorkers(defaultOf('workers'), option);
  if (text === 'max') return availableParallelism();
  if (/^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= 1024) return Number(text);
  throw errors.invalidOption(option, text, 'a whole number from 1 to 1024, or "max" for one per CPU');
}
