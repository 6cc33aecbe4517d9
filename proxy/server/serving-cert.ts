// The serving certificate: from --tls-cert-file/--tls-private-key-file, read again when they change
// (a Secret volume's symlink swap, cert-manager renewing it), or the self-signed fallback. A pair that
// does not go together (one file rewritten, the other not yet) is never served: the previous pair stays.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { watchFiles } from '../file-watch.ts';
import type { Logger } from '../log.ts';
import { selfSignedCertificate } from './self-signed.ts';

export interface ServingPair {
  cert: string;
  key: string;
}

/** TLS 1.2 and 1.3 with ECDHE key exchange and AEAD ciphers only: Kubernetes' secure defaults. */
export const TLS_SETTINGS = {
  minVersion: 'TLSv1.2' as const,
  ciphers: [
    'TLS_AES_128_GCM_SHA256',
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':'),
  honorCipherOrder: true,
};

/** Throws, saying why, unless `key` is the private key of the first certificate in `cert`. */
export function checkPair(pair: ServingPair, nowMs = Date.now()): X509Certificate {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(pair.cert);
  } catch (e) {
    throw new Error(`the certificate is not PEM X.509: ${(e as Error).message}`);
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(pair.key);
  } catch (e) {
    throw new Error(`the private key is not a PEM key: ${(e as Error).message}`);
  }
  if (!leaf.checkPrivateKey(key)) throw new Error('the private key does not belong to the certificate');
  if (Date.parse(leaf.validTo) < nowMs) throw new Error(`the certificate expired on ${leaf.validTo}`);
  // What the server will do with them: a chain OpenSSL refuses is found here, not at the first handshake.
  createSecureContext({ cert: pair.cert, key: pair.key });
  return leaf;
}

/** The pair in two files, kept current while `watch()` runs. */
export class ServingCertificateFiles {
  private pair: ServingPair;
  private readonly certFile: string;
  private readonly keyFile: string;
  private readonly log: Logger;
  private readonly listeners: ((pair: ServingPair) => void)[] = [];

  /** Reads the pair now; throws if it is not usable (a start must not serve a broken pair). */
  constructor(certFile: string, keyFile: string, log: Logger) {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.log = log;
    this.pair = this.read();
    checkPair(this.pair);
  }

  get current(): ServingPair {
    return this.pair;
  }

  onChange(listener: (pair: ServingPair) => void): void {
    this.listeners.push(listener);
  }

  /** Reads the files again; true when a new pair took effect. */
  reload(reason: string): boolean {
    let next: ServingPair;
    let leaf: X509Certificate;
    try {
      next = this.read();
      if (next.cert === this.pair.cert && next.key === this.pair.key) return false;
      leaf = checkPair(next);
    } catch (e) {
      this.log.warn('serving certificate files not usable; the previous certificate stays', {
        reason,
        certFile: this.certFile,
        keyFile: this.keyFile,
        error: (e as Error).message,
      });
      return false;
    }
    this.pair = next;
    this.log.info('serving certificate reloaded', {
      reason,
      subject: leaf.subject,
      names: leaf.subjectAltName,
      notAfter: leaf.validTo,
      serial: leaf.serialNumber,
    });
    for (const l of this.listeners) l(next);
    return true;
  }

  /**
   * Reloads when either file (or a Secret volume's `..data` symlink beside it) changes, and every
   * `resyncMs` in case an event was missed.
   */
  watch(resyncMs = 60_000): () => void {
    const stopWatching = watchFiles([this.certFile, this.keyFile], () => this.reload('file changed'));
    const resync = setInterval(() => this.reload('periodic check'), resyncMs);
    resync.unref();
    return () => {
      stopWatching();
      clearInterval(resync);
    };
  }

  private read(): ServingPair {
    return { cert: readFileSync(this.certFile, 'utf8'), key: readFileSync(this.keyFile, 'utf8') };
  }
}

/**
 * The quick-start pair: the one in `certDir` (apiserver.crt, apiserver.key, as Kubernetes' --cert-dir)
 * when it is usable for another day and names every name, otherwise a new one, written there if a
 * directory is given.
 */
export function selfSignedServingPair(
  names: string[],
  certDir: string | undefined,
  log: Logger,
): ServingPair {
  const files = certDir
    ? { cert: join(certDir, 'apiserver.crt'), key: join(certDir, 'apiserver.key') }
    : undefined;
  if (files && existsSync(files.cert) && existsSync(files.key)) {
    const pair = { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') };
    try {
      const leaf = checkPair(pair, Date.now() + 86_400_000);
      const missing = names.filter((n) => (isIP(n) ? leaf.checkIP(n) : leaf.checkHost(n)) === undefined);
      if (!missing.length) {
        log.info('serving with the self-signed certificate in --cert-dir', { certFile: files.cert });
        return pair;
      }
      log.info('the self-signed certificate in --cert-dir lacks names; making a new one', { missing });
    } catch (e) {
      log.info('the self-signed certificate in --cert-dir is not usable; making a new one', {
        error: (e as Error).message,
      });
    }
  }
  const made = selfSignedCertificate(names);
  const pair = { cert: made.certPem, key: made.keyPem };
  if (files) {
    mkdirSync(dirname(files.cert), { recursive: true });
    writeFileSync(files.cert, pair.cert);
    writeFileSync(files.key, pair.key, { mode: 0o600 });
  }
  log.warn(
    'no --tls-cert-file: serving a self-signed certificate (clients must skip verification or trust its CA)',
    {
      names,
      ...(files ? { certFile: files.cert } : {}),
    },
  );
  return pair;
}
