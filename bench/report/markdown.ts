// The Markdown report: targets and verdicts first, then one section per scenario with
// its table and chart, then how it was measured. Every number comes from the JSON.
import type { LoadMix } from '../lib/load.js';
import { round } from '../lib/stats.js';
import type { IdleTrial } from '../scenarios/idle.js';
import type { TrialResult } from '../scenarios/trial.js';
import { BASELINE, eventRows, mergeCounts, spreadRows, steadyRows, sum, systemsOf, targets } from './analysis.js';
import type { BenchReport } from './types.js';

/** Chart file names, relative to the Markdown file. */
export interface ChartFiles {
  steady: string;
  reload: string;
  master: string;
  idle: string;
}

/** The whole report as Markdown. */
export function markdown(report: BenchReport, charts: ChartFiles): string {
  const { plan } = report;
  const verdicts = targets(report);
  const missed = verdicts.filter((t) => !t.met);
  const mixed = steadyRows(report, 'mixed');
  const baton = mixed.find((r) => r.system === 'baton');
  const out: string[] = [];

  out.push(`# baton benchmark, ${report.date.slice(0, 10)}${report.mode === 'quick' ? ' (quick smoke: too short to judge by)' : ''}`, '');
  out.push(
    `baton \`${report.versions.baton}\` against plain node:cluster (a minimal hand-written primary, \`bench/systems/node-primary.ts\`) ` +
      `and PM2 ${report.versions.pm2} in cluster mode, ${plan.workers} workers each, all running the same app ` +
      `(\`test/fixtures/apps/app.mjs\`, bound to 127.0.0.1), on ${report.machine.cpus} x ${report.machine.cpuModel}, Node ${report.machine.node}. ` +
      `The load client runs on the same ${report.machine.cpus} cores. Load average ${report.machine.loadAverageAtStart.join(' / ')} at the start, ` +
      `${report.machine.loadAverageAtEnd.join(' / ')} at the end (1 / 5 / 15 min): other work on the machine shares the cores, which is why every ` +
      `scenario alternates the systems round by round. The run took ${(report.durationMs / 60_000).toFixed(1)} minutes. Raw data: the JSON file of the same name.` +
      caCertsNote(report.machine.extraCaCerts),
    '',
  );
  if (baton) out.push(`**Headline:** steady throughput under the mixed load, baton / node:cluster = **${baton.ratio}** (${baton.rps} vs ${baton.baselineRps} req/s, medians of ${baton.perRound.length} rounds).`, '');

  out.push('## Targets', '');
  out.push(missed.length === 0 ? 'baton meets every target in this run.' : `**baton misses ${missed.length} of ${verdicts.length} targets in this run:** ${missed.map((t) => t.what).join('; ')}.`, '');
  out.push(table(['target', 'measured (baton)', 'verdict'], verdicts.map((t) => [t.what, t.value, t.met ? 'met' : '**MISSED**'])), '');

  out.push('## 1. Steady throughput and latency', '');
  out.push(`No reloads. Each system gets a ${plan.warmupMs / 1000} s warm-up, then the measured run; rounds alternate the order of the systems. node:cluster (SCHED_NONE) is node:cluster with \`NODE_CLUSTER_SCHED_POLICY=none\`: workers accept straight from the shared socket instead of the primary accepting and passing each connection on (the default, round robin). "Busiest worker's share" is the fraction of responses the busiest worker gave: 0.5 is an even spread over 2 workers. Where workers accept straight from the socket (baton, SCHED_NONE), the kernel picks which waiting worker takes each connection, and it often picks the same one.`, '');
  out.push(`![steady throughput](${charts.steady})`, '');
  for (const s of report.steady) {
    const load = plan.steady.find((l) => l.name === s.load)!;
    out.push(`### ${s.load}: ${describeMix(s.mix)}; ${load.rounds} rounds of ${load.seconds} s`, '');
    out.push(
      table(
        ['system', 'req/s (median)', 'per round', `vs ${BASELINE}`, 'p50 /fast ms', 'p99 /fast ms', 'p99 /slow ms', 'busiest worker\'s share', 'failed'],
        steadyRows(report, s.load).map((r) => [r.system, r.rps, r.perRound.join(', '), r.ratio, r.fastP50, r.fastP99, r.slowP99, r.busiestShare, r.failed]),
      ),
      '',
    );
  }

  out.push('## 2. Rolling worker reload under load', '');
  out.push(
    `The mixed load (as in scenario 1) for ${plan.reload.seconds} s, ${plan.reload.rounds} round(s); after ${plan.reload.leadMs / 1000} s, reloads back to back ` +
      `(${plan.reload.pauseMs} ms apart, at most ${plan.reload.maxEvents}). baton: \`baton reload\`; node:cluster: the primary forks a new worker, waits for it to listen, ` +
      `then disconnects the old one (SIGKILL after 5 s), one worker at a time; PM2: \`pm2 reload\`. "p99 during reloads" is the p99 of /fast requests that started ` +
      `while a reload ran, worst round; "vs steady" divides it by the system's own steady p99 under the mixed load.`,
    '',
  );
  out.push(
    table(
      ['system', 'reloads (failed)', 'took ms (median / max)', 'worker pids that answered', 'requests', 'failed', 'failures by kind', 'p99 /fast during reloads ms', 'vs steady', 'longest gap ms'],
      eventRows(report, report.reload).map((r) => [r.system, `${r.events} (${r.eventsFailed})`, `${r.eventMsMedian} / ${r.eventMsMax}`, r.pids, r.requests, r.failed, kinds(r.failures), r.p99During, `${r.p99Ratio} x`, r.maxGapMs]),
    ),
    '',
  );
  out.push(`![timeline of the reload scenario](${charts.reload})`, '');
  out.push(...failureDetails(report.reload));
  if (report.reloadUploads && plan.reloadUploads) {
    out.push('### Reloads under uploads', '');
    out.push(`The same, under ${describeMix(plan.reloadUploads.mix)} (each upload client posts 64 KB bodies, one after another), ${plan.reloadUploads.seconds} s, ${plan.reloadUploads.rounds} round(s); "vs steady" divides by the steady p99 under this same load (scenario 1, "uploads").`, '');
    out.push(
      table(
        ['system', 'reloads (failed)', 'took ms (median / max)', 'requests', 'failed', 'failures by kind', 'p99 /fast during reloads ms', 'vs steady', 'longest gap ms'],
        eventRows(report, report.reloadUploads, 'uploads').map((r) => [r.system, `${r.events} (${r.eventsFailed})`, `${r.eventMsMedian} / ${r.eventMsMax}`, r.requests, r.failed, kinds(r.failures), r.p99During, `${r.p99Ratio} x`, r.maxGapMs]),
      ),
      '',
    );
    out.push(...failureDetails(report.reloadUploads));
  }

  out.push('## 3. Master replacement under load', '');
  out.push(
    `The mixed load for ${plan.master.seconds} s, ${plan.master.rounds} round(s); the process that owns the listening socket is replaced ` +
      `${plan.master.maxEvents === 1 ? 'once' : `up to ${plan.master.maxEvents} times, ${plan.master.pauseMs / 1000} s apart`}. "Failing for" is the time from the first failed request to the last (worst round); "longest gap" the longest time in which no request at all succeeded. Refused connections fail at once and new-connection clients try again at once, so the *count* of failures says more about the client loop than the outage: read the times. "p99 during replacements" is the p99 of /fast requests that started while a replacement ran and succeeded (worst round; failed requests are in the failure columns, not in it), against the system's steady p99 under the mixed load.`,
    '',
  );
  out.push(
    table(
      ['system', 'how the master is replaced', 'replacements (failed)', 'took ms (median / max)', 'requests', 'failed', 'failures by kind', 'failing for ms', 'longest gap ms', 'p99 /fast during replacements ms', 'vs steady'],
      eventRows(report, report.master).map((r) => [r.system, report.replaceMasterHow[r.system] ?? '', `${r.events} (${r.eventsFailed})`, `${r.eventMsMedian} / ${r.eventMsMax}`, r.requests, r.failed, kinds(r.failures), r.failingMs, r.maxGapMs, r.p99During, `${r.p99Ratio} x`]),
    ),
    '',
  );
  out.push(`![timeline of the master scenario](${charts.master})`, '');
  out.push(...failureDetails(report.master));

  out.push('## 4. Idle keep-alive connections across a reload and a master replacement', '');
  out.push(
    `${plan.idle.connections} keep-alive connections, opened over ${plan.idle.rampMs / 1000} s, each sending GET /fast every ${plan.idle.intervalMs[0] / 1000}-${plan.idle.intervalMs[1] / 1000} s ` +
      `(under Node's 5 s keep-alive timeout) and idle otherwise; after ${plan.idle.holdMs / 1000} s a reload, ${plan.idle.holdMs / 1000} s later a master replacement, then long enough that every ` +
      `connection sent again. A connection the server closed while it was idle, without a \`Connection: close\` response first, was **lost** under the client; ` +
      `so was any connection whose request failed. Connections ended by a response saying \`Connection: close\` were closed cleanly (the client reconnects, no request fails).`,
    '',
  );
  out.push(
    table(
      ['system', 'connections', 'held throughout', 'last served by the final workers', 'closed while idle', 'closed cleanly', 'failed requests', 'failures by kind', 'lost', 'reload / master ok'],
      systemsOf(report.idle).map((system) => {
        const t = report.idle.filter((i) => i.system === system);
        return [
          system,
          sum(t.map((i) => i.connections.connections)),
          sum(t.map((i) => i.connections.heldThroughout)),
          sum(t.map((i) => i.onCurrentWorkers)),
          sum(t.map((i) => i.connections.closedWhileIdle)),
          sum(t.map((i) => i.connections.closedCleanly)),
          sum(t.map((i) => i.failed)),
          kinds(mergeCounts(t.map((i) => i.connections.failures))),
          `**${sum(t.map((i) => i.lost))}**`,
          t.flatMap((i) => i.events.map((e) => (e.ok ? 'ok' : 'FAILED'))).join(' / '),
        ];
      }),
    ),
    '',
  );
  out.push(`![timeline of the idle-connection scenario](${charts.idle})`, '');
  out.push(...failureDetails(report.idle));

  if (report.spread && plan.spread) {
    out.push('## 6. Spread over 4 workers', '');
    out.push(
      `Each system started afresh with ${plan.spread.workers} workers; ${describeMix(plan.spread.mix)} open their connections at once and loop for ${plan.spread.seconds} s, ` +
        `${plan.spread.rounds} round(s). "Busiest worker's share" is the busiest worker's fraction of the responses (median over rounds): 1/N = ${round(1 / plan.spread.workers)} is even. ` +
        'node:cluster passes every connection on from its primary (round robin); SCHED_NONE and PM2 in cluster mode... PM2 uses node:cluster\'s round robin too; baton\'s workers accept straight from the socket and pass a connection on only while above their share.',
      '',
    );
    out.push(table(['system', 'workers', "busiest worker's share", 'every worker served', 'req/s (median)', 'failed'], spreadRows(report).map((r) => [r.system, r.workers, r.busiestShare, r.allServed ? 'yes' : 'no', r.rps, r.failed])), '');
  }

  out.push('## 5. Master memory (RSS, MiB)', '');
  out.push('The process that owns the listening socket: baton\'s master, the node:cluster primary, PM2\'s daemon ("God"). At rest: just started, no load yet. The other columns are the highest sample (every 250 ms) during that scenario; in scenario 3 the master is replaced, so that column is the highest of any of them.', '');
  out.push(
    table(
      ['system', 'master at rest', 'cluster at rest (master + workers)', 'master, steady load', 'master, during reloads', 'master, scenario 3', 'master, 4: idle connections'],
      report.memoryAtRest.map((m) => {
        const max = (trials: readonly { system: string; masterMemory: { maxMiB: number } }[]) => {
          const mine = trials.filter((t) => t.system === m.system);
          return mine.length === 0 ? '-' : round(Math.max(...mine.map((t) => t.masterMemory.maxMiB)));
        };
        return [m.system, m.masterMiB, m.clusterMiB, max(report.steady.flatMap((s) => s.trials)), max(report.reload), max(report.master), max(report.idle)];
      }),
    ),
    '',
  );

  out.push('## How this was measured', '');
  out.push(
    '- One benchmark process drives everything: it starts each system on its own 127.0.0.1 port (all stay up, idle while another is measured), and runs the load itself (`bench/lib/load.ts`).',
    `- The load never retries. A request fails if it does not end in a 200 with the app's JSON body: connection refused or reset, socket hang up, a timeout (${plan.reload.requestTimeoutMs / 1000} s), a bad status. Failures are counted by kind.`,
    '- Client kinds: *keep-alive* clients send the next request as soon as the last one ends; *sparse* keep-alive clients wait 20-400 ms between requests (idle connections that a drain must not cut); *new-connection* clients open a connection per request. /slow answers after 200 ms.',
    '- Rounds alternate the systems (A B C, then B C A, ...). Steady numbers are medians over rounds; latency during reloads and the longest gap are from the worst round.',
    '- Times of reloads and replacements are measured from the command issued to the command returned (`baton reload`, `pm2 reload`, an IPC message to the node:cluster primary).',
    `- Full run: \`npm run bench\`; smoke: \`npm run bench:quick\`. The code is in \`bench/\`; the plan (durations, clients) in \`bench/plan.ts\`.`,
    '',
  );
  out.push('## Harness notes', '');
  out.push(report.notes.length === 0 ? 'None: every system answered before every trial, none had to be restarted.' : report.notes.map((n) => `- ${n}`).join('\n'), '');
  return out.join('\n');
}

function failureDetails(trials: readonly (TrialResult | IdleTrial)[]): string[] {
  const lines: string[] = [];
  for (const t of trials) {
    const examples = 'load' in t ? t.load.examples : t.connections.examples;
    const failedEvents = t.events.filter((e) => !e.ok);
    if (examples.length === 0 && failedEvents.length === 0) continue;
    lines.push(`- ${t.system}, round ${t.round + 1}:`);
    for (const e of failedEvents) lines.push(`  - ${e.label} at ${(e.atMs / 1000).toFixed(1)} s FAILED: ${oneLine(e.detail)}`);
    for (const e of examples.slice(0, 4)) lines.push(`  - first failures: ${oneLine(e)}`);
  }
  return lines.length === 0 ? [] : ['<details><summary>Failed operations and the first failed requests</summary>', '', ...lines, '', '</details>', ''];
}

function describeMix(mix: LoadMix): string {
  const parts = [
    mix.keepalive > 0 ? `${mix.keepalive} keep-alive` : '',
    mix.sparse > 0 ? `${mix.sparse} sparse keep-alive` : '',
    mix.fresh > 0 ? `${mix.fresh} new-connection` : '',
    mix.upload ? `${mix.upload} upload` : '',
  ].filter(Boolean);
  return `${parts.join(', ')} clients${mix.slowEvery > 0 ? `, every ${mix.slowEvery}th request /slow` : ', /fast only'}`;
}

function kinds(failures: Record<string, number>): string {
  const entries = Object.entries(failures);
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').replace(/\|/g, '\\|').slice(0, 300);
}

function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  // No value is NaN in a fresh run and null in one rendered again from its JSON (--render).
  const cell = (v: string | number | null) => (v === null || (typeof v === 'number' && Number.isNaN(v)) ? '-' : String(v));
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

/** What the run's environment had of NODE_EXTRA_CA_CERTS, which on Node 20 costs every process start (README, Reloading). */
function caCertsNote(set: boolean | undefined): string {
  if (set === undefined) return '';
  return set
    ? ' Every process ran with `NODE_EXTRA_CA_CERTS` set: on Node 20 each process start (every worker a reload starts, every `baton` command) reads that file first.'
    : ' Every process ran without `NODE_EXTRA_CA_CERTS` (`npm run bench` unsets it: the app makes no TLS connection, and on Node 20 each process start would read that file first).';
}
