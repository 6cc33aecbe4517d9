// The HTTPS server with its certificate files watched: rotated files are served to new connections
// without a restart (in-place rewrites and a Secret volume's symlink swap), a half-written pair never
// is, and only modern TLS is spoken.
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../proxy/log.ts';
import { createServer, type RunningServer } from '../../../proxy/server/https.ts';
import { createServerMetrics } from '../../../proxy/server/metrics.ts';
import { type SelfSigned, selfSignedCertificate } from '../../../proxy/server/self-signed.ts';
import { ServingCertificateFiles } from '../../../proxy/server/serving-cert.ts';
import { eventually } from '../../e2e/helpers.ts';

const SERVER_NAME = 'cmetrics.cmetrics.svc';
const dir = mkdtempSync(join(tmpdir(), 'cmetrics-tls-rotation-'));
/** What the server logged at warn level and above, to wait for a refused pair without sleeping. */
const refusals: string[] = [];
const log = createLogger('warn', (line) => {
  refusals.push(line);
});
const made = (): SelfSigned => selfSignedCertificate([SERVER_NAME, 'localhost']);
const serialOf = (pem: string) => new X509Certificate(pem).serialNumber;

async function serve(certFile: string, keyFile: string) {
  const files = new ServingCertificateFiles(certFile, keyFile, log);
  const server: RunningServer = createServer({
    serving: () => files.current,
    router: async () => ({ code: 200, body: {} }),
    requestHeader: () => undefined,
    clientCa: () => undefined,
    authenticateToken: async () => ({ rejection: 'no tokens here' }),
    authorize: async () => ({ allowed: false, reason: '' }),
    readiness: [],
    metrics: createServerMetrics(),
    log,
  });
  files.onChange(() => server.refreshSecureContext());
  const stopWatching = files.watch();
  await new Promise<void>((r) => server.server.listen(0, '127.0.0.1', r));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    stop: async () => {
      stopWatching();
      await server.close();
    },
  };
}

/** A new TLS connection: the serial of the certificate the server presents (verified against `ca`). */
function presentedSerial(port: number, ca: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: SERVER_NAME, ca }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial);
    });
    socket.on('error', reject);
  });
}

describe('certificate files rewritten in place', () => {
  const first = made();
  const second = made();
  const cas = [first.caPem, second.caPem];
  const certFile = join(dir, 'inplace', 'tls.crt');
  const keyFile = join(dir, 'inplace', 'tls.key');
  let server: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    mkdirSync(join(dir, 'inplace'));
    writeFileSync(certFile, first.certPem);
    writeFileSync(keyFile, first.keyPem);
    server = await serve(certFile, keyFile);
  });
  afterAll(() => server?.stop());

  it('serves the first pair', async () => {
    expect(await presentedSerial(server.port, cas)).toBe(serialOf(first.certPem));
  });

  it('keeps serving the first pair while only the certificate is new', async () => {
    writeFileSync(certFile, second.certPem);
    const refused = await eventually(
      'the mismatched pair is read and refused',
      () => refusals.find((l) => l.includes('does not belong to the certificate')),
      10_000,
      50,
    );
    expect(refused).toContain('serving certificate files not usable; the previous certificate stays');
    expect(await presentedSerial(server.port, cas)).toBe(serialOf(first.certPem));
  });

  it('serves the new pair on new connections once the key follows', async () => {
    writeFileSync(keyFile, second.keyPem);
    const serial = await eventually(
      'the rotated certificate is presented',
      async () => {
        const s = await presentedSerial(server.port, cas);
        return s === serialOf(second.certPem) ? s : undefined;
      },
      10_000,
      100,
    );
    expect(serial).toBe(serialOf(second.certPem));
  });
});

describe("a Secret volume's symlink swap", () => {
  const volume = join(dir, 'volume');
  const cas: string[] = [];
  let server: Awaited<ReturnType<typeof serve>>;

  /** What kubelet does: a new timestamped directory, then `..data` renamed over to point at it. */
  function project(pair: SelfSigned, version: string) {
    const target = join(volume, `..${version}`);
    mkdirSync(target);
    writeFileSync(join(target, 'tls.crt'), pair.certPem);
    writeFileSync(join(target, 'tls.key'), pair.keyPem);
    symlinkSync(`..${version}`, join(volume, '..data_tmp'));
    renameSync(join(volume, '..data_tmp'), join(volume, '..data'));
    cas.push(pair.caPem);
  }

  it('serves the pair the new ..data points at', async () => {
    mkdirSync(volume);
    const first = made();
    project(first, 'v1');
    symlinkSync('..data/tls.crt', join(volume, 'tls.crt'));
    symlinkSync('..data/tls.key', join(volume, 'tls.key'));
    server = await serve(join(volume, 'tls.crt'), join(volume, 'tls.key'));
    expect(await presentedSerial(server.port, cas)).toBe(serialOf(first.certPem));
    const second = made();
    project(second, 'v2');
    rmSync(join(volume, '..v1'), { recursive: true });
    await eventually(
      'the swapped certificate is presented',
      async () => ((await presentedSerial(server.port, cas)) === serialOf(second.certPem) ? true : undefined),
      10_000,
      100,
    );
    await server.stop();
  });
});

describe('TLS versions and ciphers', () => {
  const pair = made();
  let server: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    mkdirSync(join(dir, 'modern'));
    writeFileSync(join(dir, 'modern', 'tls.crt'), pair.certPem);
    writeFileSync(join(dir, 'modern', 'tls.key'), pair.keyPem);
    server = await serve(join(dir, 'modern', 'tls.crt'), join(dir, 'modern', 'tls.key'));
  });
  afterAll(() => server?.stop());

  /**
   * `openssl s_client` with `args` (run asynchronously: the server answers from this process):
   * the protocol and cipher agreed, or why the handshake failed.
   */
  function handshake(...args: string[]): Promise<string> {
    return new Promise((resolve) => {
      const child = execFile(
        'openssl',
        ['s_client', '-connect', `127.0.0.1:${server.port}`, '-servername', SERVER_NAME, ...args],
        { encoding: 'utf8', timeout: 10_000 },
        (_error, stdout, stderr) => {
          const agreed = /New, (TLSv1\.[0-3]), Cipher is (\S+)/.exec(stdout);
          resolve(
            agreed ? `${agreed[1]} ${agreed[2]}` : `refused: ${/alert [a-z ]+/.exec(stderr)?.[0] ?? stderr}`,
          );
        },
      );
      child.stdin?.end();
    });
  }

  it.each<[string, string[], string]>([
    ['TLS 1.3', ['-tls1_3'], 'TLSv1.3 TLS_AES_128_GCM_SHA256'],
    ['TLS 1.2 with ECDHE and AES-GCM', ['-tls1_2'], 'TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256'],
    [
      'TLS 1.2 with ChaCha20-Poly1305',
      ['-tls1_2', '-cipher', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
      'TLSv1.2 ECDHE-ECDSA-CHACHA20-POLY1305',
    ],
    ['TLS 1.1', ['-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0'], 'refused: alert protocol version'],
    [
      'TLS 1.2 with CBC',
      ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA'],
      'refused: alert handshake failure',
    ],
    [
      'TLS 1.2 without forward secrecy',
      ['-tls1_2', '-cipher', 'AES128-GCM-SHA256:AES256-GCM-SHA384'],
      'refused: alert handshake failure',
    ],
  ])('%s → %s', async (_what, args, outcome) => {
    expect(await handshake(...args)).toBe(outcome);
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));
