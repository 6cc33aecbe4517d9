#!/usr/bin/env node
// CLI of the sample app: `node test/sample-app/main.ts --listen 127.0.0.1:3000`.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import yargs from 'yargs';
import { createSampleApp, type ListenAddress, parseListenAddress } from './app.ts';

const args = yargs(process.argv.slice(2))
  .scriptName('sample-app')
  .usage('$0 [--listen HOST:PORT]\n\nThe custom-metrics demo app; binds IPv4 loopback only.')
  .option('listen', {
    type: 'string',
    default: '127.0.0.1:3000',
    describe: 'address to listen on (127.0.0.0/8)',
  })
  .strict()
  .version(false)
  .help()
  .parseSync();

let addr: ListenAddress;
try {
  addr = parseListenAddress(args.listen);
} catch (e) {
  process.stderr.write(`sample-app: ${(e as Error).message}\n`);
  process.exit(1);
}

const { app } = createSampleApp();
const server = createServer(app);
server.on('error', (e) => {
  process.stderr.write(`sample-app: cannot listen on ${args.listen}: ${e.message}\n`);
  process.exit(1);
});
server.listen(addr.port, addr.host, () => {
  const { address, port } = server.address() as AddressInfo;
  process.stderr.write(`sample-app: pid ${process.pid} listening on http://${address}:${port}\n`);
});

let stopping = false;
function shutdown(): void {
  if (stopping) return;
  stopping = true;
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  // A request in flight gets a moment to finish; then connections are cut and the process ends anyway.
  setTimeout(() => server.closeAllConnections(), 1000).unref();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
