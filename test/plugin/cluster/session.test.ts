import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { openDirect, openSession, requestTimeoutMs } from '../../../plugin/cluster/session.ts';
import type { KubeRest, RequestCredentials } from '../../../shared/kube.ts';
import { loadKubeConfig } from '../../../shared/kubeconfig.ts';

const DIR = mkdtempSync(join(tmpdir(), 'cmetrics-session-'));
const KUBECONFIG = join(DIR, 'config');
const CA = join(DIR, 'ca.crt');
writeFileSync(CA, '-----BEGIN CERTIFICATE-----\nnot checked here\n-----END CERTIFICATE-----\n');
writeFileSync(
  KUBECONFIG,
  stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443' } }],
    users: [{ name: 'u', user: { token: 't' } }],
    contexts: [
      { name: 'prod', context: { cluster: 'c', user: 'u', namespace: 'shop' } },
      { name: 'dev', context: { cluster: 'c', user: 'u' } },
    ],
    'current-context': 'prod',
  }),
);

describe('openSession', () => {
  it.each<[string, Parameters<typeof openSession>[0], string]>([
    ["the current context's namespace", { kubeconfig: KUBECONFIG }, 'shop'],
    ['default when the context sets none', { kubeconfig: KUBECONFIG, context: 'dev' }, 'default'],
    ['-n over both', { kubeconfig: KUBECONFIG, namespace: 'other' }, 'other'],
  ])('namespace: %s', (_name, flags, namespace) => {
    expect(openSession(flags).namespace).toBe(namespace);
  });

  it('names the contexts that are close to an unknown one', () => {
    expect(() => openSession({ kubeconfig: KUBECONFIG, context: 'prd' })).toThrow(
      'context "prd" is not in the kubeconfig (did you mean prod?); list them with: kubectl config get-contexts',
    );
  });

  it('says which kubeconfig it cannot read', () => {
    expect(() => openSession({ kubeconfig: '/nonexistent/config' })).toThrow(
      'cannot load the kubeconfig /nonexistent/config: ENOENT',
    );
  });
});

describe('requestTimeoutMs (kubectl --request-timeout)', () => {
  it.each<[string, number]>([
    ['30s', 30_000],
    ['2m', 120_000],
    ['5', 5000],
    ['0', 2 ** 31 - 1],
  ])('%s', (text, ms) => {
    expect(requestTimeoutMs(text)).toBe(ms);
  });

  it('refuses what is not a duration', () => {
    expect(() => requestTimeoutMs('soon')).toThrow('invalid --request-timeout "soon"');
  });
});

describe('openDirect', () => {
  it("sends the context's own user to the server, checked against the CA for the name given", async () => {
    const direct = openDirect(
      { kubeconfig: KUBECONFIG },
      { url: 'https://127.0.0.1:8443/', caFile: CA, tlsServerName: 'cmetrics.cmetrics.svc' },
    );
    const rest = direct.api.rest as KubeRest;
    expect(rest.server).toBe('https://127.0.0.1:8443');
    await direct.close();
    // What the connection is made with: the context's user, the CA file and the name given.
    const kc = loadKubeConfig({ kubeconfig: KUBECONFIG }).withServer(
      'https://127.0.0.1:8443',
      CA,
      'cmetrics.cmetrics.svc',
    );
    const opts: RequestCredentials = {};
    await kc?.applyToHTTPSOptions(opts);
    expect(opts).toEqual({
      ca: readFileSync(CA),
      servername: 'cmetrics.cmetrics.svc',
      headers: { authorization: 'Bearer t' },
    });
  });

  it('takes no path, which would be dropped', () => {
    expect(() =>
      openDirect({ kubeconfig: KUBECONFIG }, { url: 'https://127.0.0.1:8443/prefix', caFile: CA }),
    ).toThrow(
      'invalid server URL "https://127.0.0.1:8443/prefix": use https://HOST:PORT without a path (the metrics paths are added to it)',
    );
  });

  it('never sends credentials in clear', () => {
    expect(() =>
      openDirect({ kubeconfig: KUBECONFIG }, { url: 'http://127.0.0.1:8443', caFile: 'ca.crt' }),
    ).toThrow(
      'invalid server URL "http://127.0.0.1:8443": use https://HOST:PORT (credentials are never sent in clear)',
    );
  });
});
