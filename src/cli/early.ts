// Loaded before any other module of the CLI: a process that is becoming a master
// (baton start in the foreground, or a successor started by an upgrade) catches its
// signals from this line on (see src/signals.ts). Other commands keep the defaults, so
// Ctrl-C ends `baton logs -f` or a `baton start --daemon` that is waiting.
import { catchSignals } from '../signals.js';

const [command, ...rest] = process.argv.slice(2);
const own = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
if (command === '__successor' || (command === 'start' && !own.includes('--daemon') && !own.includes('--help') && !own.includes('-h'))) catchSignals();
