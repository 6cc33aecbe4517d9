// HAProxy (Debian's) in front of several cmetrics-proxy replicas, as the endpoint the APIServices
// use. It terminates the aggregator's TLS, accepts only a client certificate of the front-proxy CA
// with the aggregator's name (so no one else can send X-Remote-* headers through it), and opens its
// own TLS to each replica with a front-proxy client certificate, so that the replicas trust the
// headers it passes on. Health checks on /readyz take a replica out as soon as it fails (a
// SIGTERM'd replica fails /readyz at once and keeps serving for its shutdown delay); a request
// that meets a dead replica (refused, reset, no answer) is sent again to another one, which
// HAProxy may do for a GET (`retry-on`). Listens on 127.0.0.1 only.
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { CertPair } from './pki.ts';
import { freePort, type Proc, startProcess, stopProcess, waitFor } from './processes.ts';

export interface Replica {
  name: string;
  port: number;
  /** The CA of its serving certificate, and the name in it. */
  ca: string;
  servername: string;
}

export interface Haproxy {
  port: number;
  proc: Proc;
  /** Each replica's state as HAProxy's health checks see it (UP, DOWN, …). */
  states(): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

export async function startHaproxy(opts: {
  dir: string;
  logs: string;
  replicas: readonly Replica[];
  /** What the aggregator verifies: a serving pair for the APIServices' Service name. */
  serving: CertPair;
  /** The front-proxy CA, and the name the aggregator's certificate carries. */
  frontProxyCa: string;
  allowedName: string;
  /** Presented to the replicas: a front-proxy client certificate with an allowed name. */
  client: CertPair;
}): Promise<Haproxy> {
  const pem = (name: string, pair: CertPair) => {
    const file = join(opts.dir, `${name}.pem`);
    writeFileSync(file, readFileSync(pair.cert, 'utf8') + readFileSync(pair.key, 'utf8'));
    return file;
  };
  const serving = pem('haproxy-serving', opts.serving);
  const client = pem('haproxy-client', opts.client);
  const port = await freePort();
  const socket = join(opts.dir, 'haproxy.sock');
  const servers = opts.replicas.map((r) => {
    const ca = join(opts.dir, `${r.name}-ca.crt`);
    writeFileSync(ca, r.ca);
    return (
      `  server ${r.name} 127.0.0.1:${r.port} ssl crt ${client} ca-file ${ca} verify required` +
      ` verifyhost ${r.servername} sni str(${r.servername}) check check-sni ${r.servername}`
    );
  });
  const config = `global
  stats socket ${socket} mode 600 level admin
defaults
  mode http
  timeout connect 1s
  timeout client 60s
  timeout server 15s
  timeout http-keep-alive 10s
  # A request that met a dead or closing replica goes to another one, at most twice.
  retries 2
  option redispatch 1
  retry-on conn-failure empty-response junk-response response-timeout
frontend metrics
  bind 127.0.0.1:${port} ssl crt ${serving} ca-file ${opts.frontProxyCa} verify required
  http-request deny deny_status 403 unless { ssl_c_s_dn(CN) -m str ${opts.allowedName} }
  default_backend replicas
backend replicas
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 500ms fall 1 rise 2
${servers.join('\n')}
`;
  const file = join(opts.dir, 'haproxy.cfg');
  writeFileSync(file, config);
  const proc = startProcess('haproxy', 'haproxy', ['-db', '-f', file], opts.logs);
  const states = async (): Promise<Record<string, string>> => {
    const csv = await adminCommand(socket, 'show stat\n');
    const lines = csv.split('\n').filter((l) => l.startsWith('replicas,'));
    // CSV of `show stat`: pxname, svname, …, status is the 18th field.
    return Object.fromEntries(
      lines
        .map((l) => l.split(','))
        .filter((f) => f[1] !== 'BACKEND')
        .map((f) => [f[1] as string, f[17] as string]),
    );
  };
  await waitFor(
    'haproxy sees every replica UP',
    async () => {
      const s = await states().catch(() => ({}) as Record<string, string>);
      return opts.replicas.every((r) => s[r.name] === 'UP') ? true : undefined;
    },
    { proc, timeoutMs: 30_000 },
  );
  return { port, proc, states, stop: () => stopProcess(proc) };
}

/** One command on HAProxy's admin socket, and its whole answer. */
function adminCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const conn = net.createConnection(socket, () => conn.end(command));
    conn.on('data', (c: Buffer) => chunks.push(c));
    conn.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    conn.on('error', reject);
  });
}
