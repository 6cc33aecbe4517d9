// The self-signed fallback, checked by Node's X.509 parser, by `openssl verify` and by a TLS handshake.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate, serviceNames } from '../../../proxy/server/self-signed.ts';
import { TLS_SETTINGS } from '../../../proxy/server/serving-cert.ts';

const dir = mkdtempSync(join(tmpdir(), 'cmetrics-self-signed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NAMES = serviceNames('cmetrics', 'monitoring');
const NOW = new Date('2026-07-01T10:00:00Z');
const made = selfSignedCertificate(NAMES, NOW);
const [leafPem] = made.certPem.split(/(?<=-----END CERTIFICATE-----\n)/);
const leaf = new X509Certificate(leafPem as string);
const ca = new X509Certificate(made.caPem);

function pemFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('serviceNames', () => {
  it('names the Service every way a client can, and loopback', () => {
    expect(NAMES).toEqual([
      'cmetrics',
      'cmetrics.monitoring',
      'cmetrics.monitoring.svc',
      'cmetrics.monitoring.svc.cluster.local',
      'localhost',
      '127.0.0.1',
      '::1',
    ]);
  });
});

describe('selfSignedCertificate', () => {
  it('is a serving certificate for every name, signed by a CA of its own', () => {
    expect(leaf.subjectAltName).toBe(
      'DNS:cmetrics, DNS:cmetrics.monitoring, DNS:cmetrics.monitoring.svc, DNS:cmetrics.monitoring.svc.cluster.local, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    expect(leaf.ca).toBe(false);
    expect(ca.ca).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    for (const name of NAMES.slice(0, 5)) expect(leaf.checkHost(name)).toBe(name);
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkIP('::1')).toBe('::1');
    expect(leaf.checkHost('other.monitoring.svc')).toBeUndefined();
  });

  it('is valid from an hour before now for a year', () => {
    expect(new Date(leaf.validFrom).toISOString()).toBe('2026-07-01T09:00:00.000Z');
    expect(new Date(leaf.validTo).toISOString()).toBe('2027-07-01T09:00:00.000Z');
    expect(ca.validTo).toBe(leaf.validTo);
  });

  it('holds the key that goes with the certificate', () => {
    expect(leaf.checkPrivateKey(createPrivateKey(made.keyPem))).toBe(true);
  });

  it('gets a new key and serial every time', () => {
    const other = new X509Certificate(selfSignedCertificate(NAMES, NOW).certPem);
    expect(other.serialNumber).not.toBe(leaf.serialNumber);
    expect(other.publicKey.export({ format: 'jwk' })).not.toEqual(leaf.publicKey.export({ format: 'jwk' }));
  });

  it('passes openssl verify for a TLS server, by DNS name and by IP', () => {
    const caFile = pemFile('ca.pem', made.caPem);
    const certFile = pemFile('leaf.pem', leafPem as string);
    // -attime: the certificate is checked at the instant it was made for, not the machine's clock.
    const at = String(NOW.getTime() / 1000);
    const verify = (...args: string[]) =>
      execFileSync(
        'openssl',
        ['verify', '-attime', at, '-CAfile', caFile, '-purpose', 'sslserver', ...args, certFile],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
    expect(verify('-verify_hostname', 'cmetrics.monitoring.svc')).toBe(`${certFile}: OK\n`);
    expect(verify('-verify_ip', '::1')).toBe(`${certFile}: OK\n`);
    expect(() => verify('-verify_hostname', 'cmetrics.default.svc')).toThrow(/hostname mismatch/);
  });

  it('refuses no names', () => {
    expect(() => selfSignedCertificate([])).toThrow(/at least one name/);
  });

  it('serves TLS that a client trusting only the CA accepts', async () => {
    const fresh = selfSignedCertificate(serviceNames('cmetrics', 'cmetrics'));
    const server = tls.createServer({ cert: fresh.certPem, key: fresh.keyPem, ...TLS_SETTINGS }, (s) =>
      s.end('hello'),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const read = (servername: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port, servername, ca: fresh.caPem }, () => {
          let text = '';
          socket.on('data', (d) => {
            text += d;
          });
          socket.on('end', () => resolve(text));
        });
        socket.on('error', reject);
      });
    try {
      expect(await read('cmetrics.cmetrics.svc')).toBe('hello');
      await expect(read('cmetrics.other.svc')).rejects.toThrow(/does not match certificate's altnames/);
    } finally {
      server.close();
    }
  });
});
