#!/usr/bin/env node
// kubectl-cmetrics: kubectl runs it as `kubectl cmetrics …` when it is on PATH.
import { main } from '../plugin/main.ts';

const interrupted = new AbortController();
// Ctrl-C ends --watch cleanly (exit 0); a second one stops at once.
process.once('SIGINT', () => {
  interrupted.abort();
  process.once('SIGINT', () => process.exit(130));
});
/** The last write to each stream, done once its data is handed to the system. */
const written = { out: Promise.resolve(), err: Promise.resolve() };
const writer = (stream: NodeJS.WriteStream, name: keyof typeof written) => (text: string) => {
  // Bun calls an empty write back at once, ahead of the data before it: it must not stand for the last.
  if (!text) return;
  written[name] = new Promise((resolve) => stream.write(text, () => resolve()));
};
// No top-level await, so that the entry can also bundle as CommonJS.
void main(
  process.argv.slice(2),
  {
    out: writer(process.stdout, 'out'),
    err: writer(process.stderr, 'err'),
    tty: process.stdout.isTTY === true,
    rows: process.stdout.rows,
  },
  interrupted.signal,
).then(async (code) => {
  // Exit once stdout has drained: requests of an interrupted --watch must not hold the process open.
  // Drained is when the last write calls back: Bun calls an empty write back at once, before what
  // was written earlier reaches a pipe, whose reader then lost everything past 64 KiB.
  await Promise.all([written.out, written.err]);
  process.exit(code);
});
