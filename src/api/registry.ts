// What the API needs from the registry of running masters (src/registry/, which keeps one
// entry per named master for `baton ls` and `baton reload <name>`): the entries, and one
// by name. connect({ name }) and list() go through this interface only; until this build
// has a registry, the default one refuses with BATON_NO_REGISTRY.
import { errors } from '../errors.js';

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

/** The registry connect() uses when it is given none. */
export function defaultRegistry(): Registry {
  return {
    list: () => Promise.reject(errors.noRegistry()),
    lookup: () => Promise.reject(errors.noRegistry()),
  };
}
