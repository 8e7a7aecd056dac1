// baton startup systemd: a unit per registered app (or --only one), written from how its
// master was started and enabled, so the apps come back at boot; --print only prints
// them. baton unstartup: disables and removes the units baton wrote (their first line
// says so), never a unit written by hand.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { errors } from '../../errors.js';
import { dirOwner } from '../../registry/location.js';
import { systemctl } from '../../startup/systemctl.js';
import { MARKER, unitName, unitText } from '../../startup/unit.js';
import { findApp, scanApps } from '../apps.js';
import type { App } from '../apps.js';
import { STARTUP_HELP, UNSTARTUP_HELP } from '../help.js';
import { parse } from '../parse.js';
import type { Out } from '../parse.js';

const SYSTEM_UNITS = '/etc/systemd/system';

/** Where units go: the system's directory, or the user's ($XDG_CONFIG_HOME/systemd/user). */
export function unitDir(user: boolean, env: NodeJS.ProcessEnv = process.env): string {
  if (!user) return SYSTEM_UNITS;
  const config = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(config, 'systemd', 'user');
}

/** baton startup systemd [--print] [--user] [--only <name>]. */
export async function startup(argv: readonly string[], out: Out): Promise<number> {
  const { values, positionals } = parse('startup', argv, { print: { type: 'boolean' }, user: { type: 'boolean' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, true);
  if (values.help) {
    out(STARTUP_HELP + '\n');
    return 0;
  }
  if (positionals[0] !== 'systemd' || positionals.length > 1) {
    throw errors.usage(`baton startup writes systemd units: "baton startup systemd"${positionals[0] ? `, not "${positionals.join(' ')}"` : ''} (see "baton startup --help")`);
  }
  const user = values.user === true;
  const dir = unitDir(user);
  if (!values.print && !user && process.getuid?.() !== 0) {
    throw errors.usage(`system units go to ${SYSTEM_UNITS}, which needs root: run it with sudo, keeping your registry (sudo env BATON_RUNTIME_DIR=<the registry baton ls names> baton startup systemd), or write user units with --user`);
  }
  const apps = chosen(values.only);
  const problems: string[] = [];
  const units: Array<{ app: App; path: string; text: string }> = [];
  for (const app of apps) {
    const owner = dirOwner(app.dir);
    const text = unitText(app.entry, { user, ...(!user && owner !== 0 ? { runAs: userName(owner) } : {}) });
    if (text === undefined) {
      problems.push(`${app.name}: its master (pid ${app.entry.pid}) does not say how it was started (it was upgraded from baton 0.1.0); restart it with this baton, then run baton startup again`);
      continue;
    }
    units.push({ app, path: join(dir, unitName(app.name)), text });
  }
  if (values.print) {
    out(units.map((u) => `# ${u.path}\n${u.text}`).join('\n'));
    for (const p of problems) process.stderr.write(`baton: ${p}\n`);
    return problems.length > 0 ? 1 : 0;
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw errors.systemctlFailed(`cannot create ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const written: string[] = [];
  for (const unit of units) {
    if (existsSync(unit.path) && !ours(unit.path)) {
      problems.push(`${unit.app.name}: not written: ${unit.path} exists and was not written by baton startup; remove it or rename the app`);
      continue;
    }
    // Atomically: systemd never reads half a unit.
    const temp = `${unit.path}.${process.pid}.tmp`;
    writeFileSync(temp, unit.text, { mode: 0o644 });
    renameSync(temp, unit.path);
    written.push(unit.path);
    out(`wrote ${unit.path}\n`);
  }
  if (written.length > 0) {
    const names = written.map((p) => p.slice(dir.length + 1));
    const failure = await systemctl(user, ['enable', ...names]);
    if (failure) problems.push(`the units are written but not enabled: ${failure}. Enable them with: systemctl ${user ? '--user ' : ''}enable ${names.join(' ')}`);
    else {
      out(`enabled ${names.join(', ')}: they start at boot${user ? ' (with your user manager; loginctl enable-linger starts it at boot without a login)' : ''}\n`);
      out(`to move a running app under systemd now: baton stop <name> && systemctl ${user ? '--user ' : ''}start baton-<name>\n`);
    }
  }
  if (problems.length > 0) throw errors.systemctlFailed(problems.join('\n'));
  return 0;
}

/** baton unstartup [--user] [--only <name>]. */
export async function unstartup(argv: readonly string[], out: Out): Promise<number> {
  const { values } = parse('unstartup', argv, { user: { type: 'boolean' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    out(UNSTARTUP_HELP + '\n');
    return 0;
  }
  const user = values.user === true;
  const dir = unitDir(user);
  const only = values.only === undefined ? undefined : unitName(values.only);
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => /^baton-.+\.service$/.test(f) && (only === undefined || f === only) && ours(join(dir, f)));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw errors.systemctlFailed(`cannot read ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (files.length === 0) {
    out(`no unit written by baton startup${only ? ` named ${only}` : ''} in ${dir}\n`);
    return 0;
  }
  // Disabled while the files still exist (systemctl reads them to know what to undo).
  const disabled = await systemctl(user, ['disable', ...files]);
  for (const f of files) {
    unlinkSync(join(dir, f));
    out(`removed ${join(dir, f)}\n`);
  }
  const reloaded = disabled ? undefined : await systemctl(user, ['daemon-reload']);
  const failure = disabled ?? reloaded;
  if (failure) {
    throw errors.systemctlFailed(`the units are removed, but ${failure}${disabled ? `; links to them may be left in ${dir}/*.wants/` : ''}`);
  }
  out(`disabled ${files.join(', ')}\n`);
  return 0;
}

/** Every live app, or the one --only names. */
function chosen(only: string | undefined): App[] {
  const scan = scanApps();
  for (const warning of scan.warnings) process.stderr.write(`baton: ${warning}\n`);
  if (only === undefined) {
    if (scan.apps.length === 0) throw errors.noApps();
    return scan.apps;
  }
  return [findApp(scan, only)];
}

/** True if baton startup wrote the file (its first line is the marker). */
function ours(path: string): boolean {
  try {
    return readFileSync(path, 'utf8').split('\n', 1)[0] === MARKER;
  } catch {
    return false;
  }
}

/** A user's name from /etc/passwd, else the uid itself (User= takes either). */
function userName(uid: number): string {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(uid));
    if (line) return line.split(':')[0]!;
  } catch {
    // No passwd file: the number does.
  }
  return String(uid);
}
