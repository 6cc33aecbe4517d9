// What every command runs with: the terminal it writes to, Ctrl-C, and the cluster connection from the
// global flags, opened on first use so that commands which need no cluster never load its client.
import type { Session } from '../cluster/session.ts';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** stdout is a terminal: --watch redraws in place. */
  tty: boolean;
  /** The terminal's height, when known. */
  rows?: number | undefined;
  /** The terminal's width, when known (the replay's charts fit it). */
  columns?: number | undefined;
}

export interface RunContext {
  io: Io;
  /** Aborted by Ctrl-C. */
  signal: AbortSignal;
  /** The connection from the global flags, opened on first use. */
  session(): Promise<Session>;
}
