// Front-proxy (request-header) authentication: X-Remote-* headers are believed only when the TLS peer
// presented a certificate that chains to requestheader-client-ca-file, allows client auth, and has a
// CN in requestheader-allowed-names (apiserver pkg/authentication/request/headerrequest).
import { X509Certificate } from 'node:crypto';

export interface RequestHeaderConfig {
  cas: X509Certificate[];
  caPem: string;
  allowedNames: string[];
  usernameHeaders: string[];
  uidHeaders: string[];
  groupHeaders: string[];
  extraHeaderPrefixes: string[];
}

export interface UserInfo {
  name: string;
  uid: string;
  groups: string[];
  extra: Record<string, string[]>;
}

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EKU = '2.5.29.37.0';

export function splitPemBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

/** Reads kube-system/extension-apiserver-authentication's data, whose lists are JSON arrays. */
export function requestHeaderConfigFrom(data: Record<string, string>): RequestHeaderConfig | undefined {
  const caPem = data['requestheader-client-ca-file'];
  if (!caPem) return undefined;
  const list = (key: string, fallback: string[]): string[] => {
    const raw = data[key];
    if (raw === undefined || raw === '') return fallback;
    const parsed = JSON.parse(raw) as unknown;
    return Array.isArray(parsed) ? parsed.map(String) : fallback;
  };
  return {
    cas: splitPemBundle(caPem),
    caPem,
    allowedNames: list('requestheader-allowed-names', []),
    usernameHeaders: list('requestheader-username-headers', ['X-Remote-User']),
    uidHeaders: list('requestheader-uid-headers', []),
    groupHeaders: list('requestheader-group-headers', ['X-Remote-Group']),
    extraHeaderPrefixes: list('requestheader-extra-headers-prefix', ['X-Remote-Extra-']),
  };
}

/**
 * Why the peer may not speak for users, or undefined if it may. `chain` is the peer certificate
 * followed by the intermediates it sent; `tlsVerified` is the TLS layer's own chain verdict.
 */
export function frontProxyRejection(
  chain: readonly X509Certificate[],
  tlsVerified: boolean,
  config: RequestHeaderConfig,
  nowMs = Date.now(),
): string | undefined {
  const rejection = clientCertRejection(chain, tlsVerified, config.cas, 'the requestheader CA', nowMs);
  if (rejection) return rejection;
  const cn = subjectField(chain[0] as X509Certificate, 'CN')[0] ?? '';
  if (config.allowedNames.length && !config.allowedNames.includes(cn)) {
    return `client certificate CN "${cn}" is not in requestheader-allowed-names`;
  }
  return undefined;
}

/** Why the peer's certificate does not authenticate it against `cas` (named `caName` in the reason), or undefined. */
function clientCertRejection(
  chain: readonly X509Certificate[],
  tlsVerified: boolean,
  cas: readonly X509Certificate[],
  caName: string,
  nowMs: number,
): string | undefined {
  const peer = chain[0];
  if (!peer) return 'no client certificate';
  if (!tlsVerified) return 'the client certificate does not verify';
  if (!chainsTo(chain, cas)) return `the client certificate is not signed by ${caName}`;
  if (nowMs < Date.parse(peer.validFrom) || nowMs > Date.parse(peer.validTo)) {
    return 'the client certificate has expired or is not yet valid';
  }
  const eku = peer.keyUsage;
  if (eku && !eku.includes(CLIENT_AUTH) && !eku.includes(ANY_EKU))
    return 'the client certificate does not allow client auth';
  return undefined;
}

function subjectField(cert: X509Certificate, field: 'CN' | 'O'): string[] {
  return [...cert.subject.matchAll(new RegExp(`(?:^|\\n)${field}=([^\\n]*)`, 'g'))].map((m) => m[1] ?? '');
}

/** client-ca-file from the same ConfigMap: the CAs of ordinary x509 users. */
export interface ClientCaConfig {
  cas: X509Certificate[];
  caPem: string;
}

export function clientCaConfigFrom(data: Record<string, string>): ClientCaConfig | undefined {
  const caPem = data['client-ca-file'];
  return caPem ? { cas: splitPemBundle(caPem), caPem } : undefined;
}

/** The x509 user (CN, groups from O) of a certificate chaining to client-ca-file, or why there is none. */
export function clientCertUser(
  chain: readonly X509Certificate[],
  tlsVerified: boolean,
  config: ClientCaConfig,
  nowMs = Date.now(),
): { user: UserInfo } | { rejection: string } {
  const rejection = clientCertRejection(chain, tlsVerified, config.cas, 'client-ca-file', nowMs);
  if (rejection) return { rejection };
  const peer = chain[0] as X509Certificate;
  const name = subjectField(peer, 'CN')[0] ?? '';
  if (!name) return { rejection: 'the client certificate has no CN' };
  return { user: { name, uid: '', groups: subjectField(peer, 'O'), extra: {} } };
}

const issuedBy = (cert: X509Certificate, issuer: X509Certificate) =>
  cert.checkIssued(issuer) && cert.verify(issuer.publicKey);

/** Whether the peer (chain[0]) reaches one of `cas` through CA certificates of the chain, each signing the one before. */
function chainsTo(chain: readonly X509Certificate[], cas: readonly X509Certificate[]): boolean {
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i] as X509Certificate;
    if (cas.some((ca) => issuedBy(cert, ca))) return true;
    const next = chain[i + 1];
    if (!next?.ca || !issuedBy(cert, next)) return false;
  }
  return false;
}

/** An extra's key as upstream unescapes it: lowercased first, then percent-decoded, kept as is if malformed. */
function extraKey(raw: string): string {
  const lower = raw.toLowerCase();
  try {
    return decodeURIComponent(lower);
  } catch {
    return lower;
  }
}

/** The user the front proxy names in the headers (Node's headersDistinct), or undefined without a username. */
export function userFromHeaders(
  headers: Record<string, string[] | undefined>,
  config: RequestHeaderConfig,
): UserInfo | undefined {
  const values = (name: string): string[] => headers[name.toLowerCase()] ?? [];
  const first = (names: string[]) => names.flatMap(values).find((v) => v !== '');
  const name = first(config.usernameHeaders);
  if (!name) return undefined;
  const groups = config.groupHeaders.flatMap(values);
  const extra: Record<string, string[]> = {};
  for (const prefix of config.extraHeaderPrefixes) {
    const p = prefix.toLowerCase();
    for (const [header, v] of Object.entries(headers)) {
      if (!header.startsWith(p) || v === undefined) continue;
      const key = extraKey(header.slice(p.length));
      extra[key] = [...(extra[key] ?? []), ...v];
    }
  }
  return { name, uid: first(config.uidHeaders) ?? '', groups: groups.filter(Boolean), extra };
}
