// baton-supervisor's programmatic API: `import { connect, start } from 'baton-supervisor'`.
// connect() drives a running master (or lists them, through the registry); start() starts
// one in the background. Failures are BatonErrors with the codes the CLI reports.
export { connect } from './client.js';
export type { MasterClient, RegistryClient, ReloadOptions, StopOptions, UpgradeOptions } from './client.js';
export { start } from './start.js';
export type { StartedMaster, StartOptions } from './start.js';
export type { Registry, RegistryEntry } from './registry.js';
export { BatonError, isBatonError } from '../errors.js';
export type { BatonConfig } from '../config/schema.js';
export type { LogInfo, OperationRecord, ReloadResult, StatusSnapshot, StopResult, UpgradeResult, WorkerStatus } from '../protocol/control.js';
