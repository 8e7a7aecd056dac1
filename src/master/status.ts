// Types the master passes between its parts: a socket handle in transit, and where idle
// connections go when no local worker can take them. What it reports lives in
// protocol/control.ts; what it hands a successor, in protocol/handover.ts.
export type { OperationRecord, ReloadResult, StatusSnapshot, WorkerStatus } from '../protocol/control.js';
export type { SupervisorCounters } from '../protocol/handover.js';

/** A native socket handle passed between processes; the holder closes its copy. */
export type NativeHandle = { close(): void };

/** Where idle connections go when no local worker can take them (the successor master). */
export type HandoffRoute = (key: string, hops: number, handle: NativeHandle) => void;
