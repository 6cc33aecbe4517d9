import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientCaConfigFrom,
  clientCertUser,
  frontProxyRejection,
  type RequestHeaderConfig,
  requestHeaderConfigFrom,
  splitPemBundle,
  userFromHeaders,
} from '../../../proxy/server/front-proxy.ts';
import { type CertPair, createPki, newKeyAndCsr, type Pki } from '../../harness/pki.ts';

interface LeafOptions {
  ca: CertPair;
  cn: string;
  /** extendedKeyUsage value, or undefined for a certificate without the extension. */
  eku: string | undefined;
  /** openssl ca dates, YYYYMMDDHHMMSSZ. */
  start?: string;
  end?: string;
}

/** A leaf certificate signed with `openssl ca`, which (unlike `x509 -req` in OpenSSL 3.0) can set any validity. */
function signLeaf(dir: string, name: string, o: LeafOptions): CertPair {
  const run = (args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const cnf = join(dir, `${name}.cnf`);
  writeFileSync(
    cnf,
    [
      '[ca]',
      'default_ca = local',
      '[local]',
      `database = ${join(dir, 'index.txt')}`,
      `new_certs_dir = ${dir}`,
      `serial = ${join(dir, 'serial')}`,
      'default_md = sha256',
      'default_days = 30',
      'policy = any',
      'unique_subject = no',
      '[any]',
      'commonName = supplied',
      '[ext]',
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature,keyEncipherment',
      ...(o.eku ? [`extendedKeyUsage = ${o.eku}`] : []),
      '',
    ].join('\n'),
  );
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  newKeyAndCsr(dir, pair.key, csr, `/CN=${o.cn}`);
  run([
    'ca',
    '-batch',
    '-notext',
    '-config',
    cnf,
    '-extensions',
    'ext',
    '-cert',
    o.ca.cert,
    '-keyfile',
    o.ca.key,
    '-in',
    csr,
    '-out',
    pair.cert,
    ...(o.start ? ['-startdate', o.start] : []),
    ...(o.end ? ['-enddate', o.end] : []),
  ]);
  return pair;
}

let dir: string;
let pki: Pki;
const certs: Record<string, X509Certificate> = {};
const pem = (path: string) => readFileSync(path, 'utf8');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cmetrics-front-proxy-'));
  pki = createPki(dir);
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  const fp = pki.frontProxyCa;
  const extra: Record<string, LeafOptions> = {
    serverAuthOnly: { ca: fp, cn: 'front-proxy-client', eku: 'serverAuth' },
    noEku: { ca: fp, cn: 'front-proxy-client', eku: undefined },
    anyEku: { ca: fp, cn: 'front-proxy-client', eku: 'anyExtendedKeyUsage' },
    serverAndClientAuth: { ca: fp, cn: 'front-proxy-client', eku: 'serverAuth,clientAuth' },
    otherCn: { ca: fp, cn: 'intruder', eku: 'clientAuth' },
    expired: {
      ca: fp,
      cn: 'front-proxy-client',
      eku: 'clientAuth',
      start: '20200101000000Z',
      end: '20200102000000Z',
    },
    notYetValid: {
      ca: fp,
      cn: 'front-proxy-client',
      eku: 'clientAuth',
      start: '20990101000000Z',
      end: '20990102000000Z',
    },
  };
  for (const [name, o] of Object.entries(extra))
    certs[name] = new X509Certificate(pem(signLeaf(dir, name, o).cert));
  certs.frontProxyClient = new X509Certificate(pem(pki.frontProxyClient.cert));
  certs.frontProxyCa = new X509Certificate(pem(pki.frontProxyCa.cert));
  certs.clusterClient = new X509Certificate(pem(pki.client('alice', 'front-proxy-client').cert));
  certs.clusterUser = new X509Certificate(pem(pki.client('carol', 'carol', ['devs', 'system:masters']).cert));
  certs.clusterServerAuth = new X509Certificate(
    pem(signLeaf(dir, 'clusterServerAuth', { ca: pki.ca, cn: 'carol', eku: 'serverAuth' }).cert),
  );
  certs.clusterCa = new X509Certificate(pem(pki.ca.cert));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const config = (allowedNames: string[] = ['front-proxy-client'], caPem = pem(pki.frontProxyCa.cert)) =>
  requestHeaderConfigFrom({
    'requestheader-client-ca-file': caPem,
    'requestheader-allowed-names': JSON.stringify(allowedNames),
  }) as RequestHeaderConfig;

const cert = (name: string): X509Certificate => {
  const c = certs[name];
  if (!c) throw new Error(`no fixture certificate ${name}`);
  return c;
};

describe('requestHeaderConfigFrom', () => {
  it.each<[string, Record<string, string>]>([
    ['no data', {}],
    [
      'an empty CA',
      { 'requestheader-client-ca-file': '', 'requestheader-allowed-names': '["front-proxy-client"]' },
    ],
  ])('%s → undefined', (_what, data) => {
    expect(requestHeaderConfigFrom(data)).toBeUndefined();
  });

  it('falls back to the API server defaults', () => {
    const caPem = pem(pki.frontProxyCa.cert);
    const got = requestHeaderConfigFrom({ 'requestheader-client-ca-file': caPem });
    expect(got).toMatchObject({
      caPem,
      allowedNames: [],
      usernameHeaders: ['X-Remote-User'],
      uidHeaders: [],
      groupHeaders: ['X-Remote-Group'],
      extraHeaderPrefixes: ['X-Remote-Extra-'],
    });
    expect(got?.cas.map((c) => c.subject)).toEqual(['CN=cmetrics-harness-front-proxy-ca']);
  });

  it('reads the JSON arrays of extension-apiserver-authentication', () => {
    const got = requestHeaderConfigFrom({
      'requestheader-client-ca-file': pem(pki.frontProxyCa.cert),
      'requestheader-allowed-names': '["front-proxy-client","aggregator"]',
      'requestheader-username-headers': '["X-Remote-User","X-Forwarded-User"]',
      'requestheader-uid-headers': '["X-Remote-Uid"]',
      'requestheader-group-headers': '["X-Remote-Group"]',
      'requestheader-extra-headers-prefix': '["X-Remote-Extra-","X-Extra-"]',
    });
    expect(got).toMatchObject({
      allowedNames: ['front-proxy-client', 'aggregator'],
      usernameHeaders: ['X-Remote-User', 'X-Forwarded-User'],
      uidHeaders: ['X-Remote-Uid'],
      groupHeaders: ['X-Remote-Group'],
      extraHeaderPrefixes: ['X-Remote-Extra-', 'X-Extra-'],
    });
  });

  it.each<[string, string, string[]]>([
    ['an empty string', '', ['X-Remote-User']],
    ['JSON null', 'null', ['X-Remote-User']],
    ['a JSON string, not an array', '"X-User"', ['X-Remote-User']],
    ['an empty array', '[]', []],
  ])('username headers given as %s → %j', (_what, raw, want) => {
    const got = requestHeaderConfigFrom({
      'requestheader-client-ca-file': pem(pki.frontProxyCa.cert),
      'requestheader-username-headers': raw,
    });
    expect(got?.usernameHeaders).toEqual(want);
  });

  it('keeps every CA of a bundle', () => {
    const bundle = `${pem(pki.ca.cert)}\n${pem(pki.frontProxyCa.cert)}`;
    expect(splitPemBundle(bundle).map((c) => c.subject)).toEqual([
      'CN=cmetrics-harness-ca',
      'CN=cmetrics-harness-front-proxy-ca',
    ]);
    expect(requestHeaderConfigFrom({ 'requestheader-client-ca-file': bundle })?.cas).toHaveLength(2);
  });
});

describe('frontProxyRejection', () => {
  it.each<[string, string[], boolean, string[], string | undefined]>([
    ['no certificate', [], true, ['front-proxy-client'], 'no client certificate'],
    [
      'a chain TLS did not verify',
      ['frontProxyClient'],
      false,
      ['front-proxy-client'],
      'the client certificate does not verify',
    ],
    [
      'a cluster-CA client with the right CN',
      ['clusterClient'],
      true,
      ['front-proxy-client'],
      'the client certificate is not signed by the requestheader CA',
    ],
    [
      'a cluster-CA client with the cluster CA',
      ['clusterClient', 'clusterCa'],
      true,
      ['front-proxy-client'],
      'the client certificate is not signed by the requestheader CA',
    ],
    // The requestheader CA's certificate is public: sending it along proves nothing.
    [
      'a cluster-CA client followed by the requestheader CA',
      ['clusterClient', 'frontProxyCa'],
      true,
      ['front-proxy-client'],
      'the client certificate is not signed by the requestheader CA',
    ],
    [
      'a cluster-CA client followed by the front-proxy client certificate',
      ['clusterClient', 'frontProxyClient'],
      true,
      ['front-proxy-client'],
      'the client certificate is not signed by the requestheader CA',
    ],
    ['the front-proxy client', ['frontProxyClient'], true, ['front-proxy-client'], undefined],
    [
      'the front-proxy client with its CA',
      ['frontProxyClient', 'frontProxyCa'],
      true,
      ['front-proxy-client'],
      undefined,
    ],
    ['the front-proxy client, any name allowed', ['frontProxyClient'], true, [], undefined],
    [
      'another CN',
      ['otherCn'],
      true,
      ['front-proxy-client', 'aggregator'],
      'client certificate CN "intruder" is not in requestheader-allowed-names',
    ],
    ['another CN, any name allowed', ['otherCn'], true, [], undefined],
    [
      'serverAuth only',
      ['serverAuthOnly'],
      true,
      ['front-proxy-client'],
      'the client certificate does not allow client auth',
    ],
    ['serverAuth and clientAuth', ['serverAndClientAuth'], true, ['front-proxy-client'], undefined],
    ['no extended key usage (any use)', ['noEku'], true, ['front-proxy-client'], undefined],
    ['anyExtendedKeyUsage', ['anyEku'], true, ['front-proxy-client'], undefined],
    [
      'an expired certificate',
      ['expired'],
      true,
      ['front-proxy-client'],
      'the client certificate has expired or is not yet valid',
    ],
    [
      'a certificate not valid yet',
      ['notYetValid'],
      true,
      ['front-proxy-client'],
      'the client certificate has expired or is not yet valid',
    ],
  ])('%s → %s', (_what, chain, tlsVerified, allowedNames, want) => {
    expect(frontProxyRejection(chain.map(cert), tlsVerified, config(allowedNames))).toBe(want);
  });

  it('accepts a cluster-CA client when the bundle holds the cluster CA too', () => {
    const bundle = `${pem(pki.ca.cert)}${pem(pki.frontProxyCa.cert)}`;
    expect(frontProxyRejection([cert('clusterClient')], true, config([], bundle))).toBeUndefined();
  });

  it.each<[string, (c: X509Certificate) => number, string | undefined]>([
    ['inside the validity period', (c) => Date.parse(c.validFrom) + 1000, undefined],
    [
      'after notAfter',
      (c) => Date.parse(c.validTo) + 1000,
      'the client certificate has expired or is not yet valid',
    ],
    [
      'before notBefore',
      (c) => Date.parse(c.validFrom) - 1000,
      'the client certificate has expired or is not yet valid',
    ],
  ])('judges validity at the time given: %s', (_what, at, want) => {
    const c = cert('frontProxyClient');
    expect(frontProxyRejection([c], true, config(), at(c))).toBe(want);
  });
});

describe('clientCertUser', () => {
  const clientCa = () => clientCaConfigFrom({ 'client-ca-file': pem(pki.ca.cert) });

  it('is undefined without client-ca-file', () => {
    expect(
      clientCaConfigFrom({ 'requestheader-client-ca-file': pem(pki.frontProxyCa.cert) }),
    ).toBeUndefined();
  });

  it.each<[string, () => X509Certificate[], boolean, ReturnType<typeof clientCertUser>]>([
    [
      'a cluster-CA certificate: CN is the user, every O a group',
      () => [cert('clusterUser')],
      true,
      { user: { name: 'carol', uid: '', groups: ['devs', 'system:masters'], extra: {} } },
    ],
    ['no certificate', () => [], false, { rejection: 'no client certificate' }],
    [
      'a chain TLS did not verify',
      () => [cert('clusterUser')],
      false,
      { rejection: 'the client certificate does not verify' },
    ],
    [
      'a front-proxy certificate',
      () => [cert('frontProxyClient')],
      true,
      { rejection: 'the client certificate is not signed by client-ca-file' },
    ],
    [
      'a certificate without clientAuth',
      () => [cert('clusterServerAuth')],
      true,
      { rejection: 'the client certificate does not allow client auth' },
    ],
  ])('%s', (_what, chain, tlsVerified, want) => {
    const config = clientCa();
    if (!config) throw new Error('no client CA');
    expect(clientCertUser(chain(), tlsVerified, config)).toEqual(want);
  });
});

describe('userFromHeaders', () => {
  const headerConfig = (): RequestHeaderConfig => ({
    ...config(),
    usernameHeaders: ['X-Remote-User', 'X-Forwarded-User'],
    uidHeaders: ['X-Remote-Uid'],
  });

  it.each<[string, Record<string, string[] | undefined>, string | undefined]>([
    ['the first configured header', { 'x-remote-user': ['alice'], 'x-forwarded-user': ['bob'] }, 'alice'],
    ['the first value of the header', { 'x-remote-user': ['alice', 'eve'] }, 'alice'],
    ['a later header when the first is absent', { 'x-forwarded-user': ['bob'] }, 'bob'],
    ['a later value when the first is empty', { 'x-remote-user': ['', 'carol'] }, 'carol'],
    ['a later header when the first is empty', { 'x-remote-user': [''], 'x-forwarded-user': ['bob'] }, 'bob'],
    ['no username header', { 'x-remote-group': ['devs'] }, undefined],
    ['only empty usernames', { 'x-remote-user': [''], 'x-forwarded-user': [''] }, undefined],
    ['an undefined header', { 'x-remote-user': undefined }, undefined],
  ])('username from %s', (_what, headers, want) => {
    expect(userFromHeaders(headers, headerConfig())?.name).toBe(want);
  });

  it('collects groups, uid and extras', () => {
    const user = userFromHeaders(
      {
        host: ['cmetrics.cmetrics.svc'],
        'x-remote-user': ['system:serviceaccount:kube-system:horizontal-pod-autoscaler'],
        'x-remote-uid': ['a1b2c3'],
        'x-remote-group': ['system:serviceaccounts', '', 'system:authenticated'],
        'x-remote-extra-scopes': ['view', 'edit'],
        'x-remote-extra-acme.com%2fproject': ['alpha'],
        'x-remote-extra-Acme.com%2FTeam': ['blue'],
        'x-remote-extra-authentication.kubernetes.io%2fpod-name': ['hpa-0'],
      },
      headerConfig(),
    );
    expect(user).toEqual({
      name: 'system:serviceaccount:kube-system:horizontal-pod-autoscaler',
      uid: 'a1b2c3',
      groups: ['system:serviceaccounts', 'system:authenticated'],
      extra: {
        scopes: ['view', 'edit'],
        'acme.com/project': ['alpha'],
        'acme.com/team': ['blue'],
        'authentication.kubernetes.io/pod-name': ['hpa-0'],
      },
    });
  });

  it.each<[string, Record<string, string[]>, Record<string, string[]>]>([
    ['no extras', {}, {}],
    [
      'values of one key in two headers',
      { 'x-remote-extra-scopes': ['a'], 'x-remote-extra-Scopes': ['b'] },
      { scopes: ['a', 'b'] },
    ],
    // As upstream: lowercase the name, then unescape, so escaped non-ASCII keeps its case.
    ['an escaped non-ASCII key', { 'x-remote-extra-%c3%84rger': ['x'] }, { Ärger: ['x'] }],
    // As upstream (unescapeExtraKey): a malformed escape leaves the key as it came.
    ['a malformed escape', { 'x-remote-extra-bad%zzkey': ['x'] }, { 'bad%zzkey': ['x'] }],
    ['a header that only looks similar', { 'x-remote-extras': ['x'], 'x-remote-extr-a': ['y'] }, {}],
  ])('extra: %s', (_what, extra, want) => {
    expect(userFromHeaders({ 'x-remote-user': ['alice'], ...extra }, headerConfig())?.extra).toEqual(want);
  });

  it('uses every configured extra prefix', () => {
    const c = { ...headerConfig(), extraHeaderPrefixes: ['X-Remote-Extra-', 'X-Extra-'] };
    const user = userFromHeaders(
      { 'x-remote-user': ['alice'], 'x-remote-extra-a': ['1'], 'x-extra-b': ['2'] },
      c,
    );
    expect(user?.extra).toEqual({ a: ['1'], b: ['2'] });
  });

  it.each<[string, Record<string, string[]>, string]>([
    ['no uid header', { 'x-remote-user': ['alice'] }, ''],
    ['an empty uid', { 'x-remote-user': ['alice'], 'x-remote-uid': [''] }, ''],
    ['a uid', { 'x-remote-user': ['alice'], 'x-remote-uid': ['42'] }, '42'],
  ])('uid with %s → %j', (_what, headers, want) => {
    expect(userFromHeaders(headers, headerConfig())?.uid).toBe(want);
  });
});
