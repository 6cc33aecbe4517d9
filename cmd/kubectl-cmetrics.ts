#!/usr/bin/env node
// kubectl-cmetrics: kubectl runs it as `kubectl cmetrics …` when it is on PATH.
import { main } from '../plugin/main.ts';

const interrupted = new AbortController();
// Ctrl-C ends --watch cleanly (exit 0); a second one stops at once.
process.once('SIGINT', () => {
  interrupted.abort();
  process.once('SIGINT', () => process.exit(130));
});
// No top-level await, so that the entry can also bundle as CommonJS.
void main(
  process.argv.slice(2),
  {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    tty: process.stdout.isTTY === true,
    rows: process.stdout.rows,
  },
  interrupted.signal,
).then((code) => {
  // Exit once stdout has drained: requests of an interrupted --watch must not hold the process open.
  process.stdout.write('', () => process.exit(code));
});
