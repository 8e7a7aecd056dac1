// The CLI commands: parse flags strictly (an unknown flag is an error), validate, then
// either run a master (start) or send one request over the control socket.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { request } from '../control/client.js';
import { parseDuration } from '../config/duration.js';
import { controlPath, DEFAULTS } from '../config/options.js';
import { resolveStart } from '../config/resolve.js';
import { START_OPTIONS } from '../config/schema.js';
import type { MasterOptions } from '../config/options.js';
import { errors } from '../errors.js';
import { parseBatchSpec } from '../config/batch.js';
import { formatStatus } from './format.js';
import { LOGS_HELP, MAIN_HELP, RELOAD_HELP, START_HELP, STATUS_HELP, STOP_HELP, UPGRADE_HELP } from './help.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const CONTROL: Options = { control: { type: 'string' }, help: { type: 'boolean', short: 'h' } };

/** Runs a CLI invocation; resolves with the process exit code. */
export async function runCli(argv: readonly string[], out = (s: string) => process.stdout.write(s)): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      out(MAIN_HELP + '\n');
      return command === undefined ? 2 : 0;
    case 'start':
      return start(rest, out);
    case 'reload':
      return reload(rest, out);
    case 'status':
      return status(rest, out);
    case 'upgrade':
      return upgrade(rest, out);
    case 'stop':
      return stop(rest, out);
    case 'logs':
      return logs(rest, out);
    case '__successor': {
      // Started by a master during an upgrade, never by hand.
      const { runSuccessor } = await import('../master/main.js');
      return runSuccessor();
    }
    default: {
      const guess = closest(command, COMMANDS);
      const hint = guess ? ` Did you mean "${guess}"?` : '';
      throw errors.usage(`unknown command "${command}".${hint} Commands: ${COMMANDS.join(', ')} (baton --help).`);
    }
  }
}

const COMMANDS = ['start', 'reload', 'upgrade', 'status', 'stop', 'logs'] as const;

/** The known word closest to `word` by edit distance, if it is close enough to be a typo. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(word.toLowerCase(), candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Levenshtein distance, with a transposition counting as one edit. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

function parse(command: string, args: readonly string[], options: Options, allowPositionals = false) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '.');
    throw errors.usage(`${message} (see "baton ${command} --help")`);
  }
}

async function start(argv: readonly string[], out: (s: string) => void): Promise<number> {
  const split = argv.indexOf('--');
  const own = split === -1 ? argv : argv.slice(0, split);
  const appArgs = split === -1 ? [] : argv.slice(split + 1);
  const { values, positionals } = parse('start', own, START_OPTIONS, true);
  if (values.help) {
    out(START_HELP + '\n');
    return 0;
  }
  const options = await resolveStart(values as Record<string, unknown>, positionals, appArgs);
  if (values.daemon) return daemon(own, appArgs, options, out);
  const { runMaster } = await import('../master/main.js');
  return runMaster(options);
}

/** start --daemon: the same start, detached, logging to --log-file (default ./baton.log). */
async function daemon(own: readonly string[], appArgs: readonly string[], options: MasterOptions, out: (s: string) => void): Promise<number> {
  // In the directory baton start runs in (a config file's "cwd" is the app's, not ours).
  const logFile = options.logFile ?? resolve(DEFAULTS.daemonLogFile);
  const pidFile = options.pidFile ?? resolve(DEFAULTS.daemonPidFile);
  const { startDaemon } = await import('./daemon.js');
  const pid = await startDaemon({ args: own.filter((a) => a !== '--daemon'), appArgs, options, logFile, pidFile });
  out(`started: master ${pid} is ready; log file ${logFile}, pid file ${pidFile}\n`);
  return 0;
}

async function reload(argv: readonly string[], out: (s: string) => void): Promise<number> {
  const { values } = parse('reload', argv, { ...CONTROL, batch: { type: 'string' } });
  if (values.help) {
    out(RELOAD_HELP + '\n');
    return 0;
  }
  const batch = values.batch as string | undefined;
  if (batch !== undefined) parseBatchSpec(batch);
  const result = await request(controlPath(values.control as string | undefined), 'reload', batch === undefined ? {} : { batch });
  out(`reloaded: generation ${result.generation} serving on ${result.workers} workers (${result.durationMs}ms)\n`);
  return 0;
}

async function upgrade(argv: readonly string[], out: (s: string) => void): Promise<number> {
  const { values } = parse('upgrade', argv, { ...CONTROL, node: { type: 'string' } });
  if (values.help) {
    out(UPGRADE_HELP + '\n');
    return 0;
  }
  const node = values.node === undefined ? undefined : resolve(values.node as string);
  const result = await request(controlPath(values.control as string | undefined), 'upgrade', node === undefined ? {} : { node });
  out(`upgraded: master ${result.previousPid} → ${result.pid} (node ${result.node})\n`);
  return 0;
}

async function status(argv: readonly string[], out: (s: string) => void): Promise<number> {
  const { values } = parse('status', argv, { ...CONTROL, json: { type: 'boolean' } });
  if (values.help) {
    out(STATUS_HELP + '\n');
    return 0;
  }
  const snapshot = await request(controlPath(values.control as string | undefined), 'status');
  out((values.json ? JSON.stringify(snapshot, null, 2) : formatStatus(snapshot)) + '\n');
  return 0;
}

async function stop(argv: readonly string[], out: (s: string) => void): Promise<number> {
  const { values } = parse('stop', argv, {
    ...CONTROL,
    'lb-grace': { type: 'string' },
    force: { type: 'boolean' },
    timeout: { type: 'string' },
    'kill-timeout': { type: 'string' },
    'pid-file': { type: 'string' },
  });
  if (values.help) {
    out(STOP_HELP + '\n');
    return 0;
  }
  const grace = values['lb-grace'] as string | undefined;
  const args = grace === undefined ? {} : { lbGraceMs: parseDuration('--lb-grace', grace) };
  if (!values.force) {
    for (const flag of ['timeout', 'kill-timeout', 'pid-file'] as const) {
      if (values[flag] !== undefined) throw errors.usage(`--${flag} only applies with --force (see "baton stop --help")`);
    }
  } else {
    const pidFlag = values['pid-file'] as string | undefined;
    const pidFile = pidFlag !== undefined ? resolve(pidFlag) : existsSync(DEFAULTS.daemonPidFile) ? resolve(DEFAULTS.daemonPidFile) : undefined;
    const { forceStop } = await import('./force-stop.js');
    const line = await forceStop({
      control: controlPath(values.control as string | undefined),
      pidFile,
      timeoutMs: parseDuration('--timeout', (values.timeout as string | undefined) ?? DEFAULTS.forceTimeout),
      killMs: parseDuration('--kill-timeout', (values['kill-timeout'] as string | undefined) ?? DEFAULTS.killTimeout),
      args,
    });
    out(line + '\n');
    return 0;
  }
  const result = await request(controlPath(values.control as string | undefined), 'stop', args);
  out(`stopped: master ${result.pid} drained its workers and is exiting\n`);
  return 0;
}

async function logs(argv: readonly string[], out: (s: string) => void): Promise<number> {
  const { values } = parse('logs', argv, {
    ...CONTROL,
    follow: { type: 'boolean', short: 'f' },
    lines: { type: 'string', short: 'n' },
    reopen: { type: 'boolean' },
  });
  if (values.help) {
    out(LOGS_HELP + '\n');
    return 0;
  }
  const control = controlPath(values.control as string | undefined);
  if (values.reopen) {
    if (values.follow || values.lines !== undefined) throw errors.usage('--reopen does not take -f or -n (see "baton logs --help")');
    const info = await request(control, 'reopen-logs');
    out(`reopened: master ${info.pid} writes to ${info.file}\n`);
    return 0;
  }
  const text = values.lines as string | undefined;
  if (text !== undefined && !/^\d+$/.test(text)) throw errors.invalidOption('--lines', text, 'a whole number of lines, e.g. -n 50');
  const info = await request(control, 'logs');
  if (info.file === null) throw errors.noLogFile();
  const { follow, lastLines } = await import('./logs.js');
  const tail = lastLines(info.file, text === undefined ? DEFAULTS.logLines : Number(text));
  for (const line of tail.lines) out(line + '\n');
  if (!values.follow) return 0;
  // Follow until interrupted; SIGINT / SIGTERM end it with exit 0.
  const stop = new AbortController();
  const end = () => stop.abort();
  process.once('SIGINT', end);
  process.once('SIGTERM', end);
  process.stdout.once('error', end); // The reader went away (EPIPE), as with "| head".
  const decoder = new StringDecoder('utf8');
  await follow(info.file, tail.size, (chunk) => out(decoder.write(chunk)), stop.signal);
  return 0;
}
