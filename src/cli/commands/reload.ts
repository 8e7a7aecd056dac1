// baton reload: roll every worker onto the code on disk; a bad --batch is refused here,
// before the master is asked.
import { parseBatchSpec } from '../../config/batch.js';
import { controlPath } from '../../config/options.js';
import { request } from '../../control/client.js';
import { RELOAD_HELP } from '../help.js';
import { CONTROL, parse } from '../parse.js';
import type { Out } from '../parse.js';

/** baton reload [--batch <n|n%>] [--wait-drained]. */
export async function reload(argv: readonly string[], out: Out): Promise<number> {
  const { values } = parse('reload', argv, { ...CONTROL, batch: { type: 'string' }, 'wait-drained': { type: 'boolean' } });
  if (values.help) {
    out(RELOAD_HELP + '\n');
    return 0;
  }
  const batch = values.batch;
  if (batch !== undefined) parseBatchSpec(batch);
  const result = await request(controlPath(values.control), 'reload', { ...(batch === undefined ? {} : { batch }), ...(values['wait-drained'] ? { waitDrained: true } : {}) });
  out(`reloaded: generation ${result.generation} serving on ${result.workers} worker${result.workers === 1 ? '' : 's'} (${result.durationMs}ms)\n`);
  return 0;
}
