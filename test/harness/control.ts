// What e2e test files (in worker processes) may ask of the harness (in the global setup's process,
// which owns the control plane's processes): a small HTTP endpoint on loopback.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runningProcesses } from './processes.ts';
import type { Stack } from './stack.ts';

export interface HarnessControl {
  url: string;
  close(): Promise<void>;
}

/**
 * `POST /kube-apiserver/restart`: answers 200 once the restarted kube-apiserver is ready.
 * `GET /process-groups`: the harness's processes now (a restarted one has a new group), as JSON.
 */
export async function startHarnessControl(stack: Stack): Promise<HarnessControl> {
  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/kube-apiserver/restart') {
      stack.cluster.restartApiserver().then(
        () => res.writeHead(200, { 'content-type': 'text/plain' }).end('restarted\n'),
        (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(e as Error).message}\n`),
      );
      return;
    }
    if (req.method === 'GET' && req.url === '/process-groups') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(runningProcesses().map((p) => p.pid)));
      return;
    }
    res
      .writeHead(404, { 'content-type': 'text/plain' })
      .end('POST /kube-apiserver/restart, GET /process-groups\n');
  });
  // A restart takes longer than Node's default request timeouts allow for.
  server.requestTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
