// A daemonized master started from settings shaped as a config file's (an ecosystem app,
// the options of the API's start()). They are checked and resolved here, before anything
// starts, as `baton start --daemon` resolves its own; then the daemon runs `baton start`
// with them as flags, in the app's directory, with the app's env added to its environment.
// So a master started this way is the one the command line would have started, and
// reloads and upgrades resolve its settings again in the same way.
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { checkConfig } from '../config/file.js';
import { parseListenSpec } from '../config/listen-spec.js';
import type { MasterOptions } from '../config/options.js';
import { DEFAULTS, controlPath } from '../config/options.js';
import { resolveStart } from '../config/resolve.js';
import { errors } from '../errors.js';
import { startDaemon } from './daemon.js';

export interface LaunchRequest {
  /** Config-file keys: script, args, env, cwd, workers, listen, ... */
  config: Readonly<Record<string, unknown>>;
  /** How a message names a key (`"workers" in start() options`). */
  where: (key: string) => string;
  /** The settings as a whole, for a message about a key nothing has. */
  source: string;
  /** The directory relative paths resolve against. */
  base: string;
  /** The app's name (--name) for the registry, once this build has it. */
  name?: string | undefined;
  /** The node binary for the master and its workers; this process's by default. */
  node?: string | undefined;
  /** The control socket, pid file and log file where the settings name none (default: the daemon's, in `base`). */
  files?: { control?: string; pidFile?: string; logFile?: string };
}

/** A launch checked and resolved, ready to start. */
export interface Launch {
  /** `baton start`'s own arguments (before "--"). */
  args: string[];
  appArgs: string[];
  options: MasterOptions;
  cwd: string;
  env: NodeJS.ProcessEnv;
  node: string | undefined;
  logFile: string;
  pidFile: string;
}

/** Flags whose values are paths: made absolute here, since the daemon runs in the app's directory. */
const PATH_FLAGS = ['control', 'pid-file', 'log-file'] as const;

/** Checks and resolves the settings (every error before anything starts). */
export async function prepareLaunch(request: LaunchRequest): Promise<Launch> {
  const { base } = request;
  if (request.node !== undefined) {
    try {
      accessSync(request.node, constants.X_OK);
    } catch (err) {
      throw errors.invalidOption(request.where('node'), request.node, `the path of a node binary this user can run (${(err as NodeJS.ErrnoException).code})`);
    }
  }
  const checked = checkConfig(request.config, request.where, base, request.source);
  const values: Record<string, unknown> = { ...checked.values };
  const files = request.files ?? {};
  const defaults = { control: files.control ?? controlPath(undefined), 'pid-file': files.pidFile ?? DEFAULTS.daemonPidFile, 'log-file': files.logFile ?? DEFAULTS.daemonLogFile };
  for (const flag of PATH_FLAGS) values[flag] = resolve(base, (values[flag] as string | undefined) ?? defaults[flag]);
  if (Array.isArray(values.listen)) {
    values.listen = (values.listen as string[]).map((spec) => {
      const parsed = parseListenSpec(spec, base, checked.origin.listen);
      return parsed.kind === 'unix' ? parsed.path : spec;
    });
  }
  const cwd = checked.cwd ?? base;
  const positionals = checked.script === undefined ? [] : [checked.script];
  const appArgs = checked.args ?? [];
  const options = await resolveStart(values, positionals, appArgs, cwd, checked.origin);
  return {
    args: [...positionals, ...toArgs(values), ...nameArgs(request.name)],
    appArgs,
    options,
    cwd,
    env: { ...process.env, ...checked.env },
    node: request.node,
    logFile: options.logFile!,
    pidFile: options.pidFile!,
  };
}

/** Starts the daemon; resolves with its pid once its cluster is ready, or throws why not. */
export function launch(prepared: Launch): Promise<number> {
  const { args, appArgs, options, logFile, pidFile, cwd, env, node } = prepared;
  return startDaemon({ args, appArgs, options, logFile, pidFile, cwd, env, ...(node === undefined ? {} : { node }) });
}

/** Flag-shaped values as `baton start` arguments; `--flag=value`, so a value may start with "-". */
export function toArgs(values: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(values).flatMap(([flag, value]) => {
    if (value === true) return [`--${flag}`];
    if (value === false || value === undefined) return [];
    return (Array.isArray(value) ? value : [value]).map((v) => `--${flag}=${String(v)}`);
  });
}

/** The app's name on the daemon's command line: what baton ls lists and `baton <command> <name>` finds. */
export function nameArgs(name: string | undefined): string[] {
  return name !== undefined ? ['--name', name] : [];
}
