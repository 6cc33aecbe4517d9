#!/usr/bin/env node
// kubectl-cmetrics: kubectl runs it as `kubectl cmetrics …` when it is on PATH.
import { main } from '../plugin/main.ts';

const interrupted = new AbortController();
// Ctrl-C ends --watch cleanly (exit 0); a second one stops at once.
process.once('SIGINT', () => {
  interrupted.abort();
  process.once('SIGINT', () => process.exit(130));
});
/** Bun's own writer: creating process.stdout or process.stderr costs a Bun executable ~11 ms. */
interface BunWriter {
  write(to: unknown, text: string): Promise<number>;
  stdout: unknown;
  stderr: unknown;
}
const bun = (globalThis as { Bun?: BunWriter }).Bun;
/** The last write to each stream, done once its data is handed to the system. */
const written = { out: Promise.resolve(), err: Promise.resolve() };
const writer = (name: keyof typeof written) => (text: string) => {
  // Bun calls an empty process.stdout.write back at once, ahead of the data before it: it must not
  // stand for the last.
  if (!text) return;
  if (bun) {
    // Each once the one before it is written; a reader that went away (EPIPE) gets nothing more.
    const to = name === 'out' ? bun.stdout : bun.stderr;
    written[name] = written[name]
      .then(() => bun.write(to, text))
      .then(
        () => {},
        () => {},
      );
    return;
  }
  const stream = name === 'out' ? process.stdout : process.stderr;
  written[name] = new Promise((resolve) => stream.write(text, () => resolve()));
};
// No top-level await, so that the entry can also bundle as CommonJS.
void main(
  process.argv.slice(2),
  {
    out: writer('out'),
    err: writer('err'),
    // Read by --watch and the replay's charts only, which then pay for process.stdout.
    get tty() {
      return process.stdout.isTTY === true;
    },
    get rows() {
      return process.stdout.rows;
    },
    get columns() {
      return process.stdout.columns;
    },
  },
  interrupted.signal,
).then(async (code) => {
  // Exit once stdout has drained: requests of an interrupted --watch must not hold the process open.
  // Drained is when the last write calls back: Bun calls an empty write back at once, before what
  // was written earlier reaches a pipe, whose reader then lost everything past 64 KiB.
  await Promise.all([written.out, written.err]);
  process.exit(code);
});
