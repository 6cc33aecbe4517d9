import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../../proxy/log.ts';
import { selfSignedCertificate } from '../../../proxy/server/self-signed.ts';
import {
  checkPair,
  ServingCertificateFiles,
  selfSignedServingPair,
} from '../../../proxy/server/serving-cert.ts';

const dir = mkdtempSync(join(tmpdir(), 'cmetrics-serving-cert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const logged: { level: string; msg: string; fields: Record<string, unknown> | undefined }[] = [];
const log: Logger = {
  debug: (msg, fields) => logged.push({ level: 'debug', msg, fields }),
  info: (msg, fields) => logged.push({ level: 'info', msg, fields }),
  warn: (msg, fields) => logged.push({ level: 'warn', msg, fields }),
  error: (msg, fields) => logged.push({ level: 'error', msg, fields }),
};
beforeEach(() => {
  logged.length = 0;
});

const pairOf = (names = ['cmetrics.cmetrics.svc'], now?: Date) => {
  const made = selfSignedCertificate(names, now);
  return { cert: made.certPem, key: made.keyPem };
};
const a = pairOf();
const b = pairOf();
const serial = (cert: string) => new X509Certificate(cert).serialNumber;

describe('checkPair', () => {
  it('takes a certificate with its own key', () => {
    expect(checkPair(a).serialNumber).toBe(serial(a.cert));
  });

  it.each<[string, { cert: string; key: string }, RegExp]>([
    ["another certificate's key", { cert: a.cert, key: b.key }, /does not belong to the certificate/],
    ['a certificate cut in half', { cert: a.cert.slice(0, 200), key: a.key }, /not PEM X.509/],
    ['no key', { cert: a.cert, key: '' }, /not a PEM key/],
    ['a key cut in half', { cert: a.cert, key: a.key.slice(0, 60) }, /not a PEM key/],
    ['an expired certificate', pairOf(['x'], new Date('2020-01-01T00:00:00Z')), /expired on/],
  ])('refuses %s', (_what, pair, message) => {
    expect(() => checkPair(pair)).toThrow(message);
  });
});

describe('ServingCertificateFiles', () => {
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  const write = (pair: { cert?: string; key?: string }) => {
    if (pair.cert !== undefined) writeFileSync(certFile, pair.cert);
    if (pair.key !== undefined) writeFileSync(keyFile, pair.key);
  };

  it('will not start with a pair that does not go together', () => {
    write({ cert: a.cert, key: b.key });
    expect(() => new ServingCertificateFiles(certFile, keyFile, log)).toThrow(/does not belong/);
  });

  it('keeps the previous pair while the files are half rewritten, and takes the new one when whole', () => {
    write(a);
    const files = new ServingCertificateFiles(certFile, keyFile, log);
    const seen: string[] = [];
    files.onChange((p) => seen.push(serial(p.cert)));
    expect(files.reload('unchanged')).toBe(false);
    write({ cert: b.cert });
    expect(files.reload('cert written')).toBe(false);
    expect(files.current).toEqual(a);
    expect(logged.at(-1)).toMatchObject({
      level: 'warn',
      msg: 'serving certificate files not usable; the previous certificate stays',
      fields: { reason: 'cert written', error: 'the private key does not belong to the certificate' },
    });
    write({ key: b.key });
    expect(files.reload('key written')).toBe(true);
    expect(files.current).toEqual(b);
    expect(seen).toEqual([serial(b.cert)]);
    expect(logged.at(-1)).toMatchObject({ level: 'info', msg: 'serving certificate reloaded' });
  });

  it('keeps serving when the files disappear', () => {
    write(a);
    const files = new ServingCertificateFiles(certFile, keyFile, log);
    rmSync(keyFile);
    expect(files.reload('key removed')).toBe(false);
    expect(files.current).toEqual(a);
    expect(logged.at(-1)?.fields?.error).toMatch(/ENOENT/);
  });
});

describe('selfSignedServingPair', () => {
  const names = ['cmetrics', 'cmetrics.ns.svc', 'localhost', '127.0.0.1'];

  it('without --cert-dir, makes a pair in memory for every name', () => {
    const pair = selfSignedServingPair(names, undefined, log);
    const leaf = checkPair(pair);
    expect(leaf.subjectAltName).toBe(
      'DNS:cmetrics, DNS:cmetrics.ns.svc, DNS:localhost, IP Address:127.0.0.1',
    );
    expect(logged.map((l) => l.msg)).toContain(
      'no --tls-cert-file: serving a self-signed certificate (clients must skip verification or trust its CA)',
    );
  });

  it('with --cert-dir, writes the pair (key private) and reuses it at the next start', () => {
    const certDir = join(dir, 'certs', 'nested');
    const first = selfSignedServingPair(names, certDir, log);
    expect(readFileSync(join(certDir, 'apiserver.crt'), 'utf8')).toBe(first.cert);
    expect(readFileSync(join(certDir, 'apiserver.key'), 'utf8')).toBe(first.key);
    expect(statSync(join(certDir, 'apiserver.key')).mode & 0o077).toBe(0);
    expect(selfSignedServingPair(names, certDir, log)).toEqual(first);
    // A name more than the kept certificate has: a new one.
    const wider = selfSignedServingPair([...names, 'cmetrics.ns'], certDir, log);
    expect(serial(wider.cert)).not.toBe(serial(first.cert));
    expect(readFileSync(join(certDir, 'apiserver.crt'), 'utf8')).toBe(wider.cert);
  });

  it('replaces a kept pair that is broken', () => {
    const certDir = join(dir, 'broken');
    selfSignedServingPair(names, certDir, log);
    writeFileSync(join(certDir, 'apiserver.key'), b.key);
    const made = selfSignedServingPair(names, certDir, log);
    expect(checkPair(made)).toBeDefined();
    expect(existsSync(join(certDir, 'apiserver.crt'))).toBe(true);
    expect(logged.some((l) => l.msg.includes('is not usable; making a new one'))).toBe(true);
  });
});
