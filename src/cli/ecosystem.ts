// baton start <ecosystem file>: every app of a PM2 ecosystem file as its own daemonized
// master. All apps are checked before any starts (a bad file starts nothing); then they
// start side by side, and one that fails does not stop the others: each is reported, and
// the command fails (exit 1) naming every app that did not start, and why.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { formatNotices } from '../config/ecosystem.js';
import type { EcosystemApp } from '../config/ecosystem.js';
import { readEcosystem } from '../config/ecosystem-file.js';
import type { EcosystemSelection } from '../config/ecosystem-file.js';
import { DEFAULTS } from '../config/options.js';
import { request } from '../control/client.js';
import { BatonError, errors, isBatonError } from '../errors.js';
import { launch, prepareLaunch } from '../launch/launch.js';
import type { Launch } from '../launch/launch.js';
import type { Out } from './parse.js';

/** An app's default files: .baton/<name>.sock, .pid and .log in `dir`. */
export function appFiles(name: string, dir = process.cwd()): { control: string; pidFile: string; logFile: string } {
  const base = join(resolve(dir, DEFAULTS.ecosystemDir), name);
  return { control: `${base}.sock`, pidFile: `${base}.pid`, logFile: `${base}.log` };
}

/** Starts the apps; `warn` gets the one warning about settings baton does not use. */
export async function startEcosystem(path: string, selection: EcosystemSelection, out: Out, warn: Out = (s) => process.stderr.write(s)): Promise<number> {
  if (!existsSync(resolve(path))) throw errors.usage(`ecosystem file not found: ${resolve(path)}`);
  const ecosystem = await readEcosystem(path, selection);
  const warning = formatNotices(ecosystem.file, ecosystem);
  if (warning) warn(`baton: ${warning}\n`);
  for (const name of ecosystem.skipped) out(`not started: ${name} (autostart: false; --only ${name} starts it)\n`);

  const prepared: Array<{ app: EcosystemApp; launch: Launch }> = [];
  const invalid: string[] = [];
  for (const app of ecosystem.apps) {
    try {
      prepared.push({ app, launch: await prepare(app, ecosystem.file) });
    } catch (err) {
      if (!isBatonError(err)) throw err;
      invalid.push(`  ${app.name}: ${err.message}`);
    }
  }
  if (invalid.length > 0) throw errors.usage(`${ecosystem.file}: nothing was started:\n${invalid.join('\n')}`);

  // The directories of each app's files are made if they are missing, as PM2 makes its log directories.
  for (const dir of new Set(prepared.flatMap(({ launch: l }) => [dirname(l.logFile), dirname(l.pidFile), dirname(l.options.control)]))) mkdirSync(dir, { recursive: true });
  const results = await Promise.allSettled(prepared.map(({ launch: l }) => launch(l)));
  const failed: string[] = [];
  for (const [i, result] of results.entries()) {
    const { app, launch: l } = prepared[i]!;
    if (result.status === 'fulfilled') out(`started ${app.name}: ${await describe(result.value, l)}\n`);
    else if (isBatonError(result.reason)) failed.push(`  ${app.name}: ${result.reason.message}`);
    else throw result.reason;
  }
  if (failed.length > 0) {
    throw new BatonError('BATON_START_FAILED', `${failed.length} of ${prepared.length} apps of ${ecosystem.file} did not start (the others run):\n${failed.join('\n')}`);
  }
  return 0;
}

/** An app's launch: its settings, its files (.baton/<name>.*, unless it names them) and its node. */
function prepare(app: EcosystemApp, file: string): Promise<Launch> {
  return prepareLaunch({
    config: app.config,
    where: (key) => app.origin[key] ?? `"${key}" of app "${app.name}" of ${file}`,
    source: `app "${app.name}" of ${file}`,
    base: app.config.cwd ?? process.cwd(),
    name: app.name,
    node: app.node,
    files: appFiles(app.name),
  });
}

/** "master 8000 is ready: 2 workers on node v22.1.0, listening on [::]:3000; control ..., log file ..." */
async function describe(pid: number, l: Launch): Promise<string> {
  const files = `control ${l.options.control}, log file ${l.logFile}`;
  try {
    const status = await request(l.options.control, 'status');
    const workers = status.workers.length;
    return `master ${pid} is ready: ${workers} worker${workers === 1 ? '' : 's'} on node ${status.node}, listening on ${status.listeners.join(', ')}; ${files}`;
  } catch {
    return `master ${pid} is ready; ${files}`;
  }
}
