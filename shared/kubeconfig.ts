// The kubeconfig as kubectl reads it (k8s.io/client-go tools/clientcmd: loader.go, client_config.go,
// and plugin/pkg/client/auth/exec/exec.go), read with `yaml` instead of @kubernetes/client-node:
// loading client-node costs the plugin more than its whole `top pods` (docs/performance.md). What is
// honoured: KUBECONFIG's list (the first file to name a cluster, user or context, or to set
// current-context, wins), ~/.kube/config, the in-cluster service account; server, certificate-authority
// (-data), insecure-skip-tls-verify, tls-server-name; client-certificate(-data), client-key(-data),
// token, tokenFile, username/password, exec credential plugins, an oidc auth-provider's id-token,
// impersonation (as, as-uid, as-groups, as-user-extra); relative paths from the file that names them.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { parse as parseYamlPackage } from 'yaml';
import type { KubeCredentials, RequestCredentials } from './kube.ts';

interface KubeTarget {
  kubeconfig?: string | undefined;
  context?: string | undefined;
}

interface Cluster {
  server: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}

interface ExecConfig {
  command: string;
  args?: string[];
  env?: { name: string; value: string }[] | null;
  apiVersion?: string;
  installHint?: string;
  provideClusterInfo?: boolean;
  interactiveMode?: 'Never' | 'IfAvailable' | 'Always';
}

interface User {
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  exec?: ExecConfig;
  'auth-provider'?: { name: string; config?: Record<string, string> };
  as?: string;
  'as-uid'?: string;
  'as-groups'?: string[];
  'as-user-extra'?: Record<string, string[]>;
}

interface Context {
  cluster: string;
  user: string;
  namespace?: string;
}

/** An ExecCredential's status (client.authentication.k8s.io). */
interface ExecCredentialStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  expirationTimestamp?: string;
}

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/** client-go reads a tokenFile again after a minute (transport/token_source.go cachingTokenSource). */
const TOKEN_FILE_TTL_MS = 60_000;

export class Kubeconfig implements KubeCredentials {
  private readonly clusters = new Map<string, Cluster>();
  private readonly users = new Map<string, User>();
  private readonly contexts = new Map<string, Context>();
  private currentContext = '';
  private execCredential: { status: ExecCredentialStatus; user: string } | undefined;
  private readonly tokensRead = new Map<string, { token: string; atMs: number }>();

  /** Adds one file's entries; those already named by an earlier file stay (client-go loader.go Load). */
  addFile(file: string): void {
    const base = dirname(file);
    const doc = (readYaml(readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>;
    const path = (p: string) => (isAbsolute(p) ? p : join(base, p));
    for (const [name, cluster] of entries<Cluster>(doc.clusters, 'cluster')) {
      if (this.clusters.has(name)) continue;
      const ca = pathField(cluster['certificate-authority'], `cluster "${name}": certificate-authority`);
      this.clusters.set(name, { ...cluster, ...(ca ? { 'certificate-authority': path(ca) } : {}) });
    }
    for (const [name, user] of entries<User>(doc.users, 'user')) {
      if (this.users.has(name)) continue;
      const resolved: User = { ...user };
      for (const k of ['client-certificate', 'client-key', 'tokenFile'] as const) {
        const p = pathField(user[k], `user "${name}": ${k}`);
        if (p) resolved[k] = path(p);
      }
      // A command with a directory in it is relative to the file; a bare name is looked up on PATH.
      const command = pathField(user.exec?.command, `user "${name}": exec.command`, 'a command or its path');
      if (user.exec && command?.includes('/')) resolved.exec = { ...user.exec, command: path(command) };
      this.users.set(name, resolved);
    }
    for (const [name, context] of entries<Context>(doc.contexts, 'context')) {
      if (!this.contexts.has(name)) this.contexts.set(name, context);
    }
    if (!this.currentContext && typeof doc['current-context'] === 'string')
      this.currentContext = doc['current-context'];
  }

  /** The pod's service account, as client-go's rest.InClusterConfig reads it. */
  addInCluster(): void {
    const host = process.env.KUBERNETES_SERVICE_HOST ?? '';
    const port = process.env.KUBERNETES_SERVICE_PORT ?? '';
    const namespaceFile = join(SERVICE_ACCOUNT, 'namespace');
    this.clusters.set('inCluster', {
      server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
      'certificate-authority': join(SERVICE_ACCOUNT, 'ca.crt'),
    });
    this.users.set('inClusterUser', { tokenFile: join(SERVICE_ACCOUNT, 'token') });
    this.contexts.set('inClusterContext', {
      cluster: 'inCluster',
      user: 'inClusterUser',
      ...(existsSync(namespaceFile) ? { namespace: readFileSync(namespaceFile, 'utf8').trim() } : {}),
    });
    this.currentContext = 'inClusterContext';
  }

  /**
   * The current context's user sent to another server, checked against `caFile` for `tlsServerName`
   * (kubectl's --server, --certificate-authority and --tls-server-name); undefined without a user.
   */
  withServer(server: string, caFile: string, tlsServerName?: string): Kubeconfig | undefined {
    const context = this.contexts.get(this.currentContext);
    const user = context && this.users.get(context.user);
    if (!context || !user) return undefined;
    const direct = new Kubeconfig();
    direct.clusters.set('direct', {
      server,
      'certificate-authority': caFile,
      ...(tlsServerName ? { 'tls-server-name': tlsServerName } : {}),
    });
    direct.users.set(context.user, user);
    direct.contexts.set('direct', { cluster: 'direct', user: context.user });
    direct.currentContext = 'direct';
    return direct;
  }

  getContexts(): { name: string }[] {
    return [...this.contexts.keys()].map((name) => ({ name }));
  }

  getCurrentContext(): string {
    return this.currentContext;
  }

  setCurrentContext(name: string): void {
    this.currentContext = name;
  }

  getContextObject(name: string): Context | undefined {
    return this.contexts.get(name);
  }

  getCurrentCluster(): { server: string } | null {
    const context = this.contexts.get(this.currentContext);
    return (context && this.clusters.get(context.cluster)) ?? null;
  }

  /** The TLS material and headers of the current context, as client-node's KubeConfig sets them. */
  async applyToHTTPSOptions(opts: RequestCredentials): Promise<void> {
    const context = this.contexts.get(this.currentContext);
    const cluster = context && this.clusters.get(context.cluster);
    const user = context && this.users.get(context.user);
    if (cluster) {
      if (cluster['insecure-skip-tls-verify']) opts.rejectUnauthorized = false;
      if (cluster['tls-server-name']) opts.servername = cluster['tls-server-name'];
      const ca = fileOrData(cluster['certificate-authority'], cluster['certificate-authority-data']);
      if (ca) opts.ca = ca;
    }
    if (!user || !context) return;
    opts.headers ??= {};
    const headers = opts.headers;
    const cert = fileOrData(user['client-certificate'], user['client-certificate-data']);
    const key = fileOrData(user['client-key'], user['client-key-data']);
    if (cert) opts.cert = cert;
    if (key) opts.key = key;
    let token = user.token;
    if (!token && user.tokenFile) token = this.readTokenFile(user.tokenFile);
    if (!token && user['auth-provider']) token = authProviderToken(user['auth-provider']);
    if (!token && user.exec) {
      const status = await this.execStatus(context.user, user.exec, cluster);
      if (status.clientCertificateData) opts.cert = status.clientCertificateData;
      if (status.clientKeyData) opts.key = status.clientKeyData;
      token = status.token;
    }
    if (token) headers.authorization = `Bearer ${token}`;
    else if (user.username)
      headers.authorization = `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`;
    // client-go transport/round_trippers.go NewImpersonatingRoundTripper.
    if (user.as) headers['impersonate-user'] = user.as;
    if (user['as-uid']) headers['impersonate-uid'] = user['as-uid'];
    if (user['as-groups']?.length) headers['impersonate-group'] = user['as-groups'];
    for (const [k, v] of Object.entries(user['as-user-extra'] ?? {}))
      headers[`impersonate-extra-${encodeURIComponent(k)}`] = v;
  }

  private readTokenFile(file: string): string {
    let read = this.tokensRead.get(file);
    if (!read || Date.now() - read.atMs > TOKEN_FILE_TTL_MS) {
      read = { token: readFileSync(file, 'utf8').trim(), atMs: Date.now() };
      this.tokensRead.set(file, read);
    }
    return read.token;
  }

  /** The exec plugin's credential, kept until it expires (client-go exec.go Authenticator). */
  private async execStatus(
    userName: string,
    exec: ExecConfig,
    cluster: Cluster | undefined,
  ): Promise<ExecCredentialStatus> {
    const kept = this.execCredential;
    const expires = kept?.status.expirationTimestamp;
    if (kept?.user === userName && (!expires || Date.parse(expires) > Date.now())) return kept.status;
    const status = await runExecPlugin(exec, cluster);
    this.execCredential = { status, user: userName };
    return status;
  }
}

/**
 * Bun's own YAML parser where there is one: the yaml package's first parse costs a Bun executable
 * ~8 ms. The package is still imported (~1.3 ms there): the proxy's executable is CommonJS, where a
 * top-level await cannot load it on demand.
 */
const bunYaml = (globalThis as { Bun?: { YAML: { parse(text: string): unknown } } }).Bun?.YAML;
const parseYaml: (text: string) => unknown = bunYaml ? (text) => bunYaml.parse(text) : parseYamlPackage;

/**
 * One error for every way a file is not YAML: the yaml package refuses some documents with a
 * YAMLParseError and others with a ReferenceError (an alias to no anchor, `*a`; found by fuzzing,
 * test/fuzz/targets/kubeconfig.fuzz.ts), and Bun's parser with errors of its own.
 */
function readYaml(text: string): unknown {
  try {
    return parseYaml(text);
  } catch (e) {
    throw new Error(`invalid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** A kubeconfig list (clusters, users, contexts): its named entries, as [name, entry]. */
function entries<T>(list: unknown, key: string): [string, T][] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((e: Record<string, unknown> | null) =>
    typeof e?.name === 'string' && typeof e[key] === 'object' && e[key] !== null
      ? [[e.name, e[key] as T] as [string, T]]
      : [],
  );
}

/**
 * A field that names a file (or, for exec's command, a program): a string, or nothing when absent,
 * null or empty. Anything else is refused in one line, as client-go refuses a file whose field is
 * not of its type (tools/clientcmd loader.go Load); a mapping there reached node:path and threw its
 * TypeError (found by fuzzing, test/fuzz/targets/kubeconfig.fuzz.ts). `label` names the field.
 */
function pathField(value: unknown, label: string, what = 'a file path'): string | undefined {
  if (value === undefined || value === null || typeof value === 'string') return value || undefined;
  const kind = Array.isArray(value)
    ? 'a list'
    : typeof value === 'object'
      ? 'a mapping'
      : `a ${typeof value}`;
  throw new Error(`${label} must be ${what} (a string), not ${kind}`);
}

/** The `-data` field wins over the file, as in client-go (rest.TLSClientConfig: CAData over CAFile). */
function fileOrData(file: string | undefined, data: string | undefined): Buffer | undefined {
  if (data) return Buffer.from(data, 'base64');
  return file ? readFileSync(file) : undefined;
}

/**
 * kubectl (1.26 and later) keeps only the oidc auth-provider; its id-token is the bearer token. Its
 * refresh (which needs the issuer) is not done here: an exec plugin (kubelogin) does that.
 */
function authProviderToken(provider: { name: string; config?: Record<string, string> }): string {
  const token = provider.name === 'oidc' ? provider.config?.['id-token'] : undefined;
  if (token) return token;
  throw new Error(
    provider.name === 'oidc'
      ? 'the oidc auth-provider has no id-token; log in again, or use an exec credential plugin (kubelogin)'
      : `the ${provider.name} auth-provider is no longer supported by kubectl (since 1.26); use its exec credential plugin`,
  );
}

/** Runs an exec credential plugin as kubectl does: its stderr to ours, stdin when interactive. */
function runExecPlugin(exec: ExecConfig, cluster: Cluster | undefined): Promise<ExecCredentialStatus> {
  const interactive = exec.interactiveMode !== 'Never' && process.stdin.isTTY === true;
  const apiVersion = exec.apiVersion ?? 'client.authentication.k8s.io/v1';
  const info = {
    apiVersion,
    kind: 'ExecCredential',
    spec: {
      interactive,
      ...(exec.provideClusterInfo && cluster
        ? {
            cluster: {
              server: cluster.server,
              ...(cluster['tls-server-name'] ? { 'tls-server-name': cluster['tls-server-name'] } : {}),
              ...(cluster['insecure-skip-tls-verify'] ? { 'insecure-skip-tls-verify': true } : {}),
              ...(cluster['certificate-authority-data']
                ? { 'certificate-authority-data': cluster['certificate-authority-data'] }
                : {}),
            },
          }
        : {}),
    },
  };
  const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: JSON.stringify(info) };
  for (const e of exec.env ?? []) env[e.name] = e.value;
  return new Promise((resolve, reject) => {
    const child = spawn(exec.command, exec.args ?? [], {
      env,
      stdio: [interactive ? 'inherit' : 'ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.on('error', (e) =>
      reject(
        new Error(
          `exec credential plugin ${exec.command}: ${e.message}${exec.installHint ? `; ${exec.installHint.trim()}` : ''}`,
        ),
      ),
    );
    child.on('close', (code) => {
      if (code !== 0)
        return reject(new Error(`exec credential plugin ${exec.command} exited with code ${code}`));
      try {
        const credential = JSON.parse(out) as { status?: ExecCredentialStatus };
        if (!credential.status) throw new Error('no status');
        resolve(credential.status);
      } catch (e) {
        reject(
          new Error(
            `exec credential plugin ${exec.command} printed no ExecCredential: ${(e as Error).message}`,
          ),
        );
      }
    });
  });
}

/** kubectl's loading rules: --kubeconfig alone, else KUBECONFIG's files, else ~/.kube/config, else in-cluster. */
export function loadKubeConfig(target: KubeTarget = {}): Kubeconfig {
  const kc = new Kubeconfig();
  if (target.kubeconfig) kc.addFile(target.kubeconfig);
  else if (process.env.KUBECONFIG) {
    // Files of the list that do not exist are skipped (client-go loader.go).
    for (const file of process.env.KUBECONFIG.split(delimiter))
      if (file && existsSync(file)) kc.addFile(file);
  } else {
    const home = join(homedir(), '.kube', 'config');
    if (existsSync(home)) kc.addFile(home);
    else if (process.env.KUBERNETES_SERVICE_HOST && existsSync(join(SERVICE_ACCOUNT, 'token')))
      kc.addInCluster();
  }
  if (target.context) kc.setCurrentContext(target.context);
  return kc;
}
