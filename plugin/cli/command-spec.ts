// The shape of a command declaration: spec.ts declares the plugin's commands with it, main.ts builds the
// yargs parser from it and completion/engine.ts answers shell completion from it.
import type { Options } from 'yargs';
import type { RunContext } from './context.ts';

/** Where completion finds values for an argument (completion/sources.ts). */
export type CompletionSource =
  | 'file'
  | 'contexts'
  | 'namespaces'
  | 'pods'
  | 'nodes'
  | 'resource-names'
  | 'pod-metrics'
  | 'node-metrics'
  | 'custom-targets'
  | 'custom-target-metrics'
  | 'external-metrics'
  | 'all-metrics'
  | 'hpas'
  /** --sort-by: cpu and memory, and the --metric names typed so far. */
  | 'sort-columns'
  /** --sort-by of `top deployments` and its kin: name and pods besides. */
  | 'workload-sort-columns';

export interface OptionSpec extends Options {
  complete?: CompletionSource;
}

interface PositionalSpec {
  name: string;
  describe: string;
  optional?: boolean;
  choices?: string[];
  complete?: CompletionSource;
}

export interface CommandSpec {
  name: string;
  aliases?: string[];
  describe: string;
  hidden?: boolean;
  positionals?: PositionalSpec[];
  options?: Record<string, OptionSpec>;
  examples?: [string, string][];
  subcommands?: CommandSpec[];
  /** Runs the command with yargs' parsed arguments (camelCase keys included); returns the exit code. */
  run?: (args: Record<string, unknown>, ctx: RunContext) => Promise<number>;
}
