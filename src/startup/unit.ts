// A systemd unit for one registered app, written from how its master was started: the
// README's "Running under systemd" unit (Type=notify, so systemd follows the master
// through upgrades by MAINPID and the pid file), with the app's own start arguments,
// and the control socket and pid file in the unit's RuntimeDirectory. Only a file that
// carries MARKER is baton's, to overwrite or to remove.
import type { Entry } from '../registry/entry.js';

/** The first line of every unit baton writes; baton unstartup removes only files with it. */
export const MARKER = '# Written by baton startup; baton unstartup removes it.';

/** baton-<name>.service. */
export function unitName(name: string): string {
  return `baton-${name}.service`;
}

/** Start flags that the unit sets itself, or that make no sense under systemd. */
const REPLACED = new Set(['control', 'pid-file', 'name', 'daemon', 'help']);

/** How long past the master's own stop (grace + drain + kill) systemd waits before SIGKILL. */
const STOP_MARGIN_S = 5;

export interface UnitSettings {
  /** A user unit (systemctl --user) rather than a system one. */
  user: boolean;
  /** For a system unit: the user the app runs as (User=), when not root. */
  runAs?: string;
}

/** The arguments after "baton": start, the app's positionals, its flags, "--" and its own arguments. Undefined when the entry has no start source. */
export function startArgs(entry: Entry): Arg[] | undefined {
  const source = entry.source;
  if (!source) return undefined;
  const dir = `%t/baton-${entry.name}`;
  const args: Arg[] = ['start', ...source.positionals];
  // As given on the command line (a config file's settings are read from it again),
  // in "--flag=value" form so a value starting with "-" (--node-arg) stays a value.
  for (const [flag, value] of Object.entries(source.flags)) {
    if (REPLACED.has(flag) || value === undefined || value === false) continue;
    if (value === true) args.push(`--${flag}`);
    else if (Array.isArray(value)) for (const v of value) args.push(`--${flag}=${String(v)}`);
    else args.push(`--${flag}=${String(value)}`);
  }
  args.push(`--name=${entry.name}`);
  // Raw: %t is systemd's runtime directory (/run, or $XDG_RUNTIME_DIR for a user unit).
  args.push({ raw: `--control=${dir}/baton.sock` }, { raw: `--pid-file=${dir}/baton.pid` });
  if (source.appArgs.length > 0) args.push('--', ...source.appArgs);
  return args;
}

/** An argument to quote for systemd, or one written as is (it holds a specifier). */
export type Arg = string | { raw: string };

/** The unit's text; undefined when the entry does not say how its master was started. */
export function unitText(entry: Entry, settings: UnitSettings): string | undefined {
  const args = startArgs(entry);
  if (!args || !entry.source) return undefined;
  const stopSeconds = Math.ceil((entry.stop.lbGraceMs + entry.stop.drainTimeoutMs + entry.stop.killTimeoutMs) / 1000) + STOP_MARGIN_S;
  const exec = [entry.node, entry.baton.cli, ...args].map((a) => (typeof a === 'string' ? quote(a) : a.raw)).join(' ');
  const lines = [
    MARKER,
    `# "${entry.name}" as baton started it. systemctl reload rolls its workers; baton upgrade ${entry.name}`,
    '# replaces its master, and systemd follows the new main pid.',
    '[Unit]',
    `Description=${escape(`${entry.name} (${entry.app}), run by baton`)}`,
    ...(settings.user ? [] : ['After=network.target']),
    '',
    '[Service]',
    'Type=notify',
    // The master tells systemd READY=1 and MAINPID= through systemd-notify, another process.
    'NotifyAccess=all',
    ...(settings.runAs ? [`User=${settings.runAs}`] : []),
    `WorkingDirectory=${escape(entry.source.cwd)}`,
    `RuntimeDirectory=baton-${entry.name}`,
    `ExecStart=${exec}`,
    'ExecReload=/bin/kill -HUP $MAINPID',
    `PIDFile=%t/baton-${entry.name}/baton.pid`,
    '# SIGTERM to the master only: it drains its workers itself.',
    'KillMode=mixed',
    `# More than --lb-grace + --drain-timeout + --kill-timeout (${stopSeconds - STOP_MARGIN_S}s).`,
    `TimeoutStopSec=${stopSeconds}`,
    '',
    '[Install]',
    `WantedBy=${settings.user ? 'default.target' : 'multi-user.target'}`,
    '',
  ];
  return lines.join('\n');
}

/** "%" is a specifier in every unit setting: doubled to stand for itself. */
function escape(text: string): string {
  return text.replace(/%/g, '%%');
}

/**
 * One ExecStart word: as is when plain; otherwise in double quotes, with "\" and '"'
 * escaped. "%" is doubled (specifiers) and "$" too (systemd expands $VAR in ExecStart).
 */
export function quote(arg: string): string {
  const text = escape(arg).replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text;
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}
