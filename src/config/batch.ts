// How many workers a rolling reload replaces at a time. A batch is never empty and
// never larger than the cluster, so a reload always makes progress and never drains
// more old workers than it has just brought up.
import { errors } from '../errors.js';

export type BatchSpec = { kind: 'count'; count: number } | { kind: 'percent'; percent: number };

/** Parses "--batch": a positive count ("2") or a percentage ("25%"). */
export function parseBatchSpec(text: string, option = '--batch'): BatchSpec {
  const value = text.trim();
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(value);
  if (percent) {
    const n = Number(percent[1]);
    if (n >= 1 && n <= 100) return { kind: 'percent', percent: n };
  } else if (/^\d+$/.test(value) && Number(value) >= 1) {
    return { kind: 'count', count: Number(value) };
  }
  throw errors.invalidOption(option, text, 'a worker count of at least 1 (e.g. 2) or a percentage from 1% to 100% (e.g. 25%)');
}

/** Workers per batch for a cluster of `total` workers: at least 1, at most total. */
export function batchSize(total: number, spec: BatchSpec): number {
  if (total <= 0) return 0;
  const raw = spec.kind === 'count' ? spec.count : Math.ceil((total * spec.percent) / 100);
  return Math.max(1, Math.min(total, raw));
}

/** Splits the slots to replace into consecutive batches, in order. */
export function planBatches<T>(slots: readonly T[], size: number): T[][] {
  if (size < 1) throw new RangeError(`batch size must be at least 1, got ${size}`);
  const plan: T[][] = [];
  for (let i = 0; i < slots.length; i += size) plan.push(slots.slice(i, i + size));
  return plan;
}
