import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { RequestCredentials } from '../../shared/kube.ts';
import { loadKubeConfig } from '../../shared/kubeconfig.ts';

const dir = mkdtempSync(join(tmpdir(), 'cmetrics-kubeconfig-'));

function file(name: string, doc: unknown): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, typeof doc === 'string' ? doc : stringify(doc));
  return path;
}

function config(user: Record<string, unknown>, cluster: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443', ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'shop' } }],
    'current-context': 'ctx',
  };
}

async function credentials(path: string): Promise<RequestCredentials> {
  const opts: RequestCredentials = {};
  await loadKubeConfig({ kubeconfig: path }).applyToHTTPSOptions(opts);
  return opts;
}

const saved = process.env.KUBECONFIG;
afterEach(() => {
  if (saved === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = saved;
});

describe('loadKubeConfig', () => {
  it('reads the current context, its cluster and namespace', () => {
    const kc = loadKubeConfig({ kubeconfig: file('plain', config({ token: 't' })) });
    expect(kc.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('shop');
    expect(kc.getContexts()).toEqual([{ name: 'ctx' }]);
  });

  it('--context picks another context, unknown ones have no cluster', () => {
    const kc = loadKubeConfig({ kubeconfig: file('plain', config({})), context: 'other' });
    expect(kc.getCurrentContext()).toBe('other');
    expect(kc.getCurrentCluster()).toBeNull();
  });

  it('a missing --kubeconfig file is an error naming it', () => {
    expect(() => loadKubeConfig({ kubeconfig: join(dir, 'nope') })).toThrow(/ENOENT.*nope/);
  });

  it.each([
    ['an alias to no anchor (a fuzzing finding: the yaml package throws a ReferenceError)', '*w'],
    ['a YAML syntax error', 'clusters: [a'],
  ])('a file that is not YAML is one plain error: %s', (_what, text) => {
    const path = file('not-yaml.kubeconfig', text);
    let thrown: unknown;
    try {
      loadKubeConfig({ kubeconfig: path });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).constructor).toBe(Error);
    expect((thrown as Error).message).toMatch(/^invalid YAML: /);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, string]>([
    // Found by fuzzing: a mapping reached node:path, whose TypeError escaped.
    [
      'a mapping as client-certificate',
      { 'client-certificate': { command: 'x' } },
      {},
      'user "u": client-certificate must be a file path (a string), not a mapping',
    ],
    [
      'a list as client-key',
      { 'client-key': ['k'] },
      {},
      'user "u": client-key must be a file path (a string), not a list',
    ],
    [
      'a number as tokenFile',
      { tokenFile: 5 },
      {},
      'user "u": tokenFile must be a file path (a string), not a number',
    ],
    [
      'a boolean as certificate-authority',
      {},
      { 'certificate-authority': true },
      'cluster "c": certificate-authority must be a file path (a string), not a boolean',
    ],
    [
      "a list as exec's command",
      { exec: { command: ['bin/login'] } },
      {},
      'user "u": exec.command must be a command or its path (a string), not a list',
    ],
  ])('a path field that is no string is one plain error naming it: %s', (_what, user, cluster, message) => {
    const path = file('wrong-type.kubeconfig', config(user, cluster));
    let thrown: unknown;
    try {
      loadKubeConfig({ kubeconfig: path });
    } catch (e) {
      thrown = e;
    }
    expect((thrown as Error).constructor).toBe(Error);
    expect((thrown as Error).message).toBe(message);
  });

  it("merges KUBECONFIG's files as kubectl does: the first to name an entry or current-context wins", () => {
    const a = file('a', {
      clusters: [{ name: 'c', cluster: { server: 'https://a:1' } }],
      contexts: [{ name: 'ca', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'ca',
    });
    const b = file('b', {
      clusters: [
        { name: 'c', cluster: { server: 'https://b:1' } },
        { name: 'd', cluster: { server: 'https://d:1' } },
      ],
      contexts: [{ name: 'cb', context: { cluster: 'd', user: 'u' } }],
      'current-context': 'cb',
    });
    process.env.KUBECONFIG = [a, join(dir, 'missing'), b].join(':');
    const kc = loadKubeConfig();
    expect(kc.getCurrentContext()).toBe('ca');
    expect(kc.getCurrentCluster()?.server).toBe('https://a:1');
    expect(kc.getContexts().map((c) => c.name)).toEqual(['ca', 'cb']);
  });
});

describe('Kubeconfig.applyToHTTPSOptions', () => {
  it('TLS: CA, client certificate and key as data or files relative to the kubeconfig', async () => {
    file('sub/pki/ca.crt', 'CA');
    file('sub/pki/key.pem', 'KEY');
    const path = file(
      'sub/config',
      config(
        {
          'client-certificate-data': Buffer.from('CERT').toString('base64'),
          'client-key': 'pki/key.pem',
        },
        { 'certificate-authority': 'pki/ca.crt', 'tls-server-name': 'kubernetes' },
      ),
    );
    const opts = await credentials(path);
    expect(String(opts.ca)).toBe('CA');
    expect(String(opts.cert)).toBe('CERT');
    expect(String(opts.key)).toBe('KEY');
    expect(opts.servername).toBe('kubernetes');
    expect(opts.rejectUnauthorized).toBeUndefined();
  });

  it('the -data field wins over the file, as in client-go', async () => {
    const ca = file('data-wins/ca.crt', 'from the file');
    const path = file(
      'data-wins/config',
      config(
        {},
        {
          'certificate-authority': ca,
          'certificate-authority-data': Buffer.from('from the data').toString('base64'),
        },
      ),
    );
    expect((await credentials(path)).ca?.toString()).toBe('from the data');
  });

  it("each context's tokenFile is read for its own user", async () => {
    const path = file('two-tokens/config', {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443' } }],
      users: [
        { name: 'a', user: { tokenFile: file('two-tokens/a', 'token-a\n') } },
        { name: 'b', user: { tokenFile: file('two-tokens/b', 'token-b\n') } },
      ],
      contexts: [
        { name: 'ca', context: { cluster: 'c', user: 'a' } },
        { name: 'cb', context: { cluster: 'c', user: 'b' } },
      ],
      'current-context': 'ca',
    });
    const kc = loadKubeConfig({ kubeconfig: path });
    const first: RequestCredentials = {};
    await kc.applyToHTTPSOptions(first);
    kc.setCurrentContext('cb');
    const second: RequestCredentials = {};
    await kc.applyToHTTPSOptions(second);
    expect([first.headers?.authorization, second.headers?.authorization]).toEqual([
      'Bearer token-a',
      'Bearer token-b',
    ]);
  });

  it('insecure-skip-tls-verify turns verification off', async () => {
    const opts = await credentials(file('insecure', config({}, { 'insecure-skip-tls-verify': true })));
    expect(opts.rejectUnauthorized).toBe(false);
  });

  it('token, tokenFile and basic auth', async () => {
    expect((await credentials(file('token', config({ token: 'abc' })))).headers).toEqual({
      authorization: 'Bearer abc',
    });
    file('tok', 'from-file\n');
    expect((await credentials(file('token-file', config({ tokenFile: 'tok' })))).headers).toEqual({
      authorization: 'Bearer from-file',
    });
    expect((await credentials(file('basic', config({ username: 'a', password: 'b' })))).headers).toEqual({
      authorization: `Basic ${Buffer.from('a:b').toString('base64')}`,
    });
  });

  it('impersonation headers (as, as-uid, as-groups, as-user-extra)', async () => {
    const opts = await credentials(
      file(
        'as',
        config({
          token: 't',
          as: 'jane',
          'as-uid': '42',
          'as-groups': ['g1', 'g2'],
          'as-user-extra': { scopes: ['x'] },
        }),
      ),
    );
    expect(opts.headers).toEqual({
      authorization: 'Bearer t',
      'impersonate-user': 'jane',
      'impersonate-uid': '42',
      'impersonate-group': ['g1', 'g2'],
      'impersonate-extra-scopes': ['x'],
    });
  });

  it("an oidc auth-provider's id-token; providers kubectl dropped are an error", async () => {
    const oidc = config({ 'auth-provider': { name: 'oidc', config: { 'id-token': 'jwt' } } });
    expect((await credentials(file('oidc', oidc))).headers).toEqual({ authorization: 'Bearer jwt' });
    const gcp = config({ 'auth-provider': { name: 'gcp', config: {} } });
    await expect(credentials(file('gcp', gcp))).rejects.toThrow(
      'the gcp auth-provider is no longer supported',
    );
  });

  it('an exec credential plugin: its token or certificate, with KUBERNETES_EXEC_INFO and its env', async () => {
    const plugin = file(
      'bin/creds',
      [
        '#!/bin/sh',
        'case "$KUBERNETES_EXEC_INFO" in *\'"kind":"ExecCredential"\'*) ;; *) exit 3 ;; esac',
        `echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"'"$TOKEN_PREFIX-$1"'","clientKeyData":"K"}}'`,
      ].join('\n'),
    );
    chmodSync(plugin, 0o755);
    const exec = {
      apiVersion: 'client.authentication.k8s.io/v1',
      command: './bin/creds',
      args: ['one'],
      env: [{ name: 'TOKEN_PREFIX', value: 'tok' }],
      interactiveMode: 'Never',
    };
    const opts = await credentials(file('exec', config({ exec })));
    expect(opts.headers).toEqual({ authorization: 'Bearer tok-one' });
    expect(opts.key).toBe('K');
    const failing = config({ exec: { ...exec, args: [], command: 'false' } });
    await expect(credentials(file('exec-fails', failing))).rejects.toThrow(
      'exec credential plugin false exited with code 1',
    );
    const missing = config({ exec: { ...exec, command: 'no-such-plugin', installHint: 'install it' } });
    await expect(credentials(file('exec-missing', missing))).rejects.toThrow(
      /exec credential plugin no-such-plugin: .*ENOENT.*; install it/,
    );
  });
});
