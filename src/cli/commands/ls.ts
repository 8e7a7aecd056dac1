// baton ls: every app on this host, from the registry; each live master is asked for
// its status (briefly: one stuck master must not hang the list), and entries of
// masters that are gone are removed and shown once as "gone".
import { request } from '../../control/client.js';
import { scanApps } from '../apps.js';
import { formatApps, goneRow, rowOf } from '../app-list.js';
import { LS_HELP } from '../help.js';
import { parse } from '../parse.js';
import type { Out } from '../parse.js';

/** How long each master has to answer `status`. */
const STATUS_TIMEOUT_MS = 2000;

/** baton ls [--json]. */
export async function ls(argv: readonly string[], out: Out): Promise<number> {
  const { values } = parse('ls', argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    out(LS_HELP + '\n');
    return 0;
  }
  const scan = scanApps();
  for (const warning of scan.warnings) process.stderr.write(`baton: ${warning}\n`);
  const live = await Promise.all(scan.apps.map(async (app) => rowOf(app, await request(app.entry.control, 'status', {}, STATUS_TIMEOUT_MS).catch((err: Error) => err))));
  const rows = [...live, ...scan.gone.map(goneRow)].sort((a, b) => a.name.localeCompare(b.name));
  if (values.json) out(JSON.stringify(rows, null, 2) + '\n');
  else if (rows.length === 0) out(`no app is running (registry: ${scan.dir})\n`);
  else out(formatApps(rows) + '\n');
  return 0;
}
