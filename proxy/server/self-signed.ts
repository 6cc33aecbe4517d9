// The quick-start serving certificate, as Kubernetes' GenerateSelfSignedCertKey makes it: a CA of its
// own and a serving certificate it signs, valid from an hour ago for a year, naming the Service's
// DNS names and loopback addresses. ECDSA P-256, signed with SHA-256.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import {
  bitString,
  boolean,
  explicit,
  implicit,
  namedBits,
  octetString,
  oid,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8String,
} from './der.ts';

const OIDS = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
};
const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 };
const HOUR_MS = 3_600_000;
const YEAR_MS = 365 * 24 * HOUR_MS;

export interface SelfSigned {
  /** The serving certificate followed by its CA: what a TLS server sends. */
  certPem: string;
  keyPem: string;
  /** The CA alone: the caBundle a client (an APIService) would trust. */
  caPem: string;
}

/** The names a Service `name` in `namespace` answers to, and the loopback addresses. */
export function serviceNames(name: string, namespace: string): string[] {
  return [
    name,
    `${name}.${namespace}`,
    `${name}.${namespace}.svc`,
    `${name}.${namespace}.svc.cluster.local`,
    'localhost',
    '127.0.0.1',
    '::1',
  ];
}

export function selfSignedCertificate(names: string[], now = new Date()): SelfSigned {
  if (!names.length) throw new Error('a serving certificate needs at least one name');
  const host = names[0] as string;
  const ca = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const leaf = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const notBefore = new Date(Math.floor((now.getTime() - HOUR_MS) / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + YEAR_MS);
  const caName = distinguishedName(`${host}-ca@${Math.floor(now.getTime() / 1000)}`);
  const caKeyId = keyIdentifier(ca.publicKey);
  const caCert = certificate({
    issuer: caName,
    subject: caName,
    publicKey: ca.publicKey,
    signer: ca.privateKey,
    notBefore,
    notAfter,
    extensions: [
      extension(OIDS.basicConstraints, true, sequence(boolean(true))),
      extension(OIDS.keyUsage, true, namedBits([KEY_USAGE.digitalSignature, KEY_USAGE.keyCertSign])),
      extension(OIDS.subjectKeyIdentifier, false, octetString(caKeyId)),
    ],
  });
  const leafCert = certificate({
    issuer: caName,
    subject: distinguishedName(`${host}@${Math.floor(now.getTime() / 1000)}`),
    publicKey: leaf.publicKey,
    signer: ca.privateKey,
    notBefore,
    notAfter,
    extensions: [
      extension(OIDS.basicConstraints, true, sequence()),
      extension(OIDS.keyUsage, true, namedBits([KEY_USAGE.digitalSignature])),
      extension(OIDS.extKeyUsage, false, sequence(oid(OIDS.serverAuth))),
      extension(OIDS.subjectKeyIdentifier, false, octetString(keyIdentifier(leaf.publicKey))),
      extension(OIDS.authorityKeyIdentifier, false, sequence(implicit(0, caKeyId))),
      extension(OIDS.subjectAltName, false, sequence(...names.map(generalName))),
    ],
  });
  const caPem = pem('CERTIFICATE', caCert);
  return {
    certPem: pem('CERTIFICATE', leafCert) + caPem,
    keyPem: leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    caPem,
  };
}

function certificate(c: {
  issuer: Buffer;
  subject: Buffer;
  publicKey: KeyObject;
  signer: KeyObject;
  notBefore: Date;
  notAfter: Date;
  extensions: Buffer[];
}): Buffer {
  const algorithm = sequence(oid(OIDS.ecdsaWithSha256));
  // A positive 127-bit serial: random as RFC 5280 asks, never longer than 20 bytes.
  const serial = randomBytes(16);
  serial[0] = ((serial[0] as number) & 0x7f) | 0x01;
  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(serial),
    algorithm,
    c.issuer,
    sequence(time(c.notBefore), time(c.notAfter)),
    c.subject,
    c.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...c.extensions)),
  );
  return sequence(tbs, algorithm, bitString(sign('sha256', tbs, c.signer)));
}

function distinguishedName(commonName: string): Buffer {
  return sequence(set(sequence(oid(OIDS.commonName), utf8String(commonName))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

/** dNSName [2] or iPAddress [7] (4 or 16 bytes). */
function generalName(name: string): Buffer {
  if (isIPv4(name)) return implicit(7, Buffer.from(name.split('.').map(Number)));
  if (isIPv6(name)) return implicit(7, ipv6Bytes(name));
  return implicit(2, Buffer.from(name, 'ascii'));
}

function ipv6Bytes(address: string): Buffer {
  if (address.includes('.'))
    throw new Error(`IPv6 with an embedded IPv4 address is not supported: ${address}`);
  const [head = '', tail = ''] = address.split('::');
  const groups = (s: string) => (s ? s.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const left = groups(head);
  const right = address.includes('::') ? groups(tail) : [];
  const all = [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
  const bytes = Buffer.alloc(16);
  for (const [i, g] of all.entries()) bytes.writeUInt16BE(g, i * 2);
  return bytes;
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  // For a P-256 key the SPKI ends with the 65-byte uncompressed point, the BIT STRING's content.
  return createHash('sha1')
    .update(spki.subarray(spki.length - 65))
    .digest();
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
