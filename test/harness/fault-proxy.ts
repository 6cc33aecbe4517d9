// A fault-injecting HTTP proxy to put between cmetrics-proxy and the real Prometheus: every answer
// is the real one unless a fault is set, and then it comes late, is replaced by an error, is cut and
// garbled, or nothing listens at all. Loopback only.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { request } from 'undici';
import { freePort } from './processes.ts';

export type Fault =
  | { kind: 'none' }
  /** The real answer, `ms` later. */
  | { kind: 'delay'; ms: number }
  /** This answer instead of the real one. */
  | { kind: 'status'; status: number; body: string; contentType?: string }
  /** The real status and headers, with the first half of the body followed by garbage. */
  | { kind: 'corrupt' }
  /** The listener closed and every connection dropped: clients get "connection refused". */
  | { kind: 'down' };

export interface FaultProxy {
  url: string;
  /** Applies `fault` to requests whose path matches `paths` (default: every path). */
  set(fault: Fault, paths?: RegExp): Promise<void>;
  /** Requests seen, by path, since the start. */
  seen: Map<string, number>;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const port = await freePort();
  let fault: Fault = { kind: 'none' };
  let faulted = /./;
  const seen = new Map<string, number>();
  const sockets = new Set<Socket>();

  const forward = async (req: IncomingMessage, body: Buffer) => {
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([k, v]) => !HOP_BY_HOP.has(k) && typeof v === 'string'),
    ) as Record<string, string>;
    const res = await request(`${target}${req.url}`, {
      method: req.method as 'GET' | 'POST',
      headers,
      ...(body.length ? { body } : {}),
    });
    const outHeaders = Object.fromEntries(
      Object.entries(res.headers).filter(([k]) => !HOP_BY_HOP.has(k)),
    ) as Record<string, string>;
    return { status: res.statusCode, headers: outHeaders, body: Buffer.from(await res.body.arrayBuffer()) };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    seen.set(path, (seen.get(path) ?? 0) + 1);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const active = faulted.test(path) ? fault : ({ kind: 'none' } as Fault);
    if (active.kind === 'status') {
      res
        .writeHead(active.status, { 'content-type': active.contentType ?? 'application/json' })
        .end(active.body);
      return;
    }
    if (active.kind === 'delay') {
      await new Promise((r) => setTimeout(r, active.ms));
      if (res.destroyed) return;
    }
    const real = await forward(req, Buffer.concat(chunks));
    const body =
      active.kind === 'corrupt'
        ? Buffer.concat([
            real.body.subarray(0, Math.floor(real.body.length / 2)),
            Buffer.from('\u0000<html>garbage'),
          ])
        : real.body;
    res.writeHead(real.status, { ...real.headers, 'content-length': String(body.length) }).end(body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      if (!res.headersSent) res.writeHead(599, { 'content-type': 'text/plain' });
      res.end(`fault proxy: ${e.message}`);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const listen = () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const stopListening = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  await listen();

  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    set: async (next, paths = /./) => {
      if (next.kind === 'down' && server.listening) await stopListening();
      if (next.kind !== 'down' && !server.listening) await listen();
      fault = next;
      faulted = paths;
    },
    close: () => (server.listening ? stopListening() : Promise.resolve()),
  };
}
