// What the API needs from the registry of running masters (src/registry/, which keeps one
// entry per named master for `baton ls` and `baton reload <name>`): the entries, and one
// by name. connect({ name }) and list() go through this interface only, so tests can
// give their own.
import { findApp, scanApps } from '../registry/scan.js';

/** A running master as the registry knows it. */
export interface RegistryEntry {
  /** Its --name. */
  name: string;
  /** Its control socket (absolute). */
  control: string;
  /** Its pid, when the registry knows it. */
  pid?: number;
}

/** The registry, as the API uses it. */
export interface Registry {
  /** Every master it knows. */
  list(): Promise<RegistryEntry[]>;
  /** The master named `name`; throws the registry's coded error when there is none. */
  lookup(name: string): Promise<RegistryEntry>;
}

/** The registry connect() uses when it is given none: this user's, as `baton ls` reads it. */
export function defaultRegistry(env: NodeJS.ProcessEnv = process.env): Registry {
  const entry = (app: { name: string; entry: { control: string; pid: number } }): RegistryEntry => ({ name: app.name, control: app.entry.control, pid: app.entry.pid });
  return {
    list: async () => scanApps({ env }).apps.map(entry),
    lookup: async (name) => entry(findApp(scanApps({ env }), name)),
  };
}
