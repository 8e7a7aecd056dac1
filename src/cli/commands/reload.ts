// baton reload: roll every worker onto the code on disk; a bad --batch is refused here,
// before the master is asked. A name (or "all") picks the app(s) from the registry.
import { parseBatchSpec } from '../../config/batch.js';
import { request } from '../../control/client.js';
import { targetOf } from '../apps.js';
import { runOnTarget } from '../each.js';
import { RELOAD_HELP } from '../help.js';
import { CONTROL, parse } from '../parse.js';
import type { Out } from '../parse.js';

/** baton reload [<name>|all] [--batch <n|n%>] [--wait-drained]. */
export async function reload(argv: readonly string[], out: Out): Promise<number> {
  const { values, positionals } = parse('reload', argv, { ...CONTROL, batch: { type: 'string' }, 'wait-drained': { type: 'boolean' } }, true);
  if (values.help) {
    out(RELOAD_HELP + '\n');
    return 0;
  }
  const batch = values.batch;
  if (batch !== undefined) parseBatchSpec(batch);
  const args = { ...(batch === undefined ? {} : { batch }), ...(values['wait-drained'] ? { waitDrained: true } : {}) };
  return runOnTarget(targetOf('reload', positionals, values.control), out, async (control) => {
    const result = await request(control, 'reload', args);
    return `reloaded: generation ${result.generation} serving on ${result.workers} worker${result.workers === 1 ? '' : 's'} (${result.durationMs}ms)\n`;
  });
}
