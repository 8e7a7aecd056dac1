// baton status: the master's snapshot, as a table for people or as JSON for scripts. A
// name (or "all") picks the app(s) from the registry; "all --json" prints one array.
import { request } from '../../control/client.js';
import { isBatonError } from '../../errors.js';
import { targetOf } from '../apps.js';
import { runOnTarget } from '../each.js';
import { formatStatus } from '../format.js';
import { STATUS_HELP } from '../help.js';
import { CONTROL, parse } from '../parse.js';
import type { Out } from '../parse.js';

/** baton status [<name>|all] [--json]. */
export async function status(argv: readonly string[], out: Out): Promise<number> {
  const { values, positionals } = parse('status', argv, { ...CONTROL, json: { type: 'boolean' } }, true);
  if (values.help) {
    out(STATUS_HELP + '\n');
    return 0;
  }
  const target = targetOf('status', positionals, values.control);
  if (target.kind === 'all' && values.json) {
    // One JSON document for scripts: each app's snapshot, or the error it answered with.
    const results = [];
    for (const app of target.apps) {
      try {
        results.push({ name: app.name, ok: true, status: await request(app.entry.control, 'status') });
      } catch (err) {
        if (!isBatonError(err)) throw err;
        results.push({ name: app.name, ok: false, error: { code: err.code, message: err.message } });
      }
    }
    out(JSON.stringify(results, null, 2) + '\n');
    return results.every((r) => r.ok) ? 0 : 1;
  }
  return runOnTarget(target, out, async (control) => {
    const snapshot = await request(control, 'status');
    return (values.json ? JSON.stringify(snapshot, null, 2) : formatStatus(snapshot)) + '\n';
  });
}
