// Certificates for the local control plane, made with the openssl CLI: a cluster CA (serving and
// client certificates), a front-proxy CA and its client, service-account keys, and a serving CA for
// aggregated servers whose certificates carry the Service DNS name the aggregator verifies.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertPair {
  cert: string;
  key: string;
}

export interface Pki {
  dir: string;
  ca: CertPair;
  frontProxyCa: CertPair;
  servingCa: CertPair;
  apiserver: CertPair;
  frontProxyClient: CertPair;
  serviceAccountKey: string;
  serviceAccountPub: string;
  client(name: string, cn: string, orgs?: string[]): CertPair;
  serving(name: string, dnsNames: string[], ips?: string[]): CertPair;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A new P-256 key and a certificate request for `subject`. */
export function newKeyAndCsr(dir: string, key: string, csr: string, subject: string): void {
  openssl(
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      csr,
      '-subj',
      subject,
    ],
    dir,
  );
}

export function makeCa(dir: string, name: string, cn: string): CertPair {
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      pair.key,
      '-out',
      pair.cert,
      '-days',
      '30',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    ],
    dir,
  );
  return pair;
}

function signLeaf(dir: string, ca: CertPair, name: string, subject: string, extensions: string[]): CertPair {
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(
    ext,
    `${['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', ...extensions].join('\n')}\n`,
  );
  newKeyAndCsr(dir, pair.key, csr, subject);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-CAcreateserial',
      '-out',
      pair.cert,
      '-days',
      '30',
      '-extfile',
      ext,
    ],
    dir,
  );
  return pair;
}

/** A client certificate from `ca`: Kubernetes reads the user from CN and the groups from O. */
export function clientCert(
  dir: string,
  ca: CertPair,
  name: string,
  cn: string,
  orgs: string[] = [],
): CertPair {
  return signLeaf(dir, ca, name, `/CN=${cn}${orgs.map((o) => `/O=${o}`).join('')}`, [
    'extendedKeyUsage=clientAuth',
  ]);
}

/** A serving certificate from `ca` for these names and addresses. */
export function servingCert(
  dir: string,
  ca: CertPair,
  name: string,
  dnsNames: string[],
  ips: string[] = ['127.0.0.1'],
): CertPair {
  return signLeaf(dir, ca, name, `/CN=${dnsNames[0] ?? name}`, [
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${[...dnsNames.map((d) => `DNS:${d}`), ...ips.map((i) => `IP:${i}`)].join(',')}`,
  ]);
}

export function createPki(dir: string): Pki {
  mkdirSync(dir, { recursive: true });
  const ca = makeCa(dir, 'ca', 'cmetrics-harness-ca');
  const frontProxyCa = makeCa(dir, 'front-proxy-ca', 'cmetrics-harness-front-proxy-ca');
  const servingCa = makeCa(dir, 'serving-ca', 'cmetrics-harness-serving-ca');
  const client = (name: string, cn: string, orgs: string[] = []) => clientCert(dir, ca, name, cn, orgs);
  const serving = (name: string, dnsNames: string[], ips?: string[]) =>
    servingCert(dir, servingCa, name, dnsNames, ips);
  const apiserver = signLeaf(dir, ca, 'apiserver', '/CN=kube-apiserver', [
    'extendedKeyUsage=serverAuth',
    'subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:127.0.0.1',
  ]);
  const frontProxyClient = signLeaf(dir, frontProxyCa, 'front-proxy-client', '/CN=front-proxy-client', [
    'extendedKeyUsage=clientAuth',
  ]);
  const serviceAccountKey = join(dir, 'sa.key');
  const serviceAccountPub = join(dir, 'sa.pub');
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', serviceAccountKey], dir);
  openssl(['ec', '-in', serviceAccountKey, '-pubout', '-out', serviceAccountPub], dir);
  return {
    dir,
    ca,
    frontProxyCa,
    servingCa,
    apiserver,
    frontProxyClient,
    serviceAccountKey,
    serviceAccountPub,
    client,
    serving,
  };
}
