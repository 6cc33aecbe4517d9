// kubectl's connection flags: --kubeconfig, --context, -n/--namespace (default: the context's
// namespace) and --request-timeout (0: none; a bare number: seconds). And the same user's credentials
// sent to a server of its own (cmetrics beside the APIService's server, for `migrate check`).

import { parseDuration } from '../../shared/duration.ts';
import { KubeRest } from '../../shared/kube.ts';
import { type Kubeconfig, loadKubeConfig } from '../../shared/kubeconfig.ts';
import { closest } from '../../shared/text.ts';
import { CliError } from '../errors.ts';
import { KubeApi } from './api.ts';
import { Discovery } from './discovery.ts';

interface ConnectionFlags {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  namespace?: string | undefined;
  requestTimeout?: string | undefined;
}

export interface Session {
  api: KubeApi;
  discovery: Discovery;
  /** -n, else the context's namespace, else `default`. */
  namespace: string;
  close(): Promise<void>;
}

/** The longest delay AbortSignal.timeout takes: what "no timeout" becomes. */
const NO_TIMEOUT_MS = 2 ** 31 - 1;

export function requestTimeoutMs(text: string | undefined): number {
  if (text === undefined || text.trim() === '0') return NO_TIMEOUT_MS;
  try {
    const ms = /^\d+$/.test(text.trim()) ? Number(text) * 1000 : parseDuration(text);
    return ms > 0 ? Math.min(ms, NO_TIMEOUT_MS) : NO_TIMEOUT_MS;
  } catch {
    throw new CliError(
      `invalid --request-timeout "${text}": use a duration such as 30s or 2m, or 0 for none`,
    );
  }
}

function kubeConfigOf(flags: ConnectionFlags): Kubeconfig {
  let kc: Kubeconfig;
  try {
    kc = loadKubeConfig({ kubeconfig: flags.kubeconfig, context: flags.context });
  } catch (e) {
    throw new CliError(
      `cannot load the kubeconfig${flags.kubeconfig ? ` ${flags.kubeconfig}` : ''}: ${(e as Error).message}; pass --kubeconfig FILE or set KUBECONFIG`,
    );
  }
  const contexts = kc.getContexts().map((c) => c.name);
  if (flags.context && !contexts.includes(flags.context)) {
    const hint = closest(flags.context, contexts);
    throw new CliError(
      `context "${flags.context}" is not in the kubeconfig${hint.length ? ` (did you mean ${hint.join(', ')}?)` : ''}; list them with: kubectl config get-contexts`,
    );
  }
  return kc;
}

export function openSession(flags: ConnectionFlags): Session {
  const timeoutMs = requestTimeoutMs(flags.requestTimeout);
  const kc = kubeConfigOf(flags);
  let rest: KubeRest;
  try {
    rest = new KubeRest(kc, timeoutMs);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const api = new KubeApi(rest);
  return {
    api,
    discovery: new Discovery(api),
    namespace: flags.namespace || kc.getContextObject(kc.getCurrentContext())?.namespace || 'default',
    close: () => rest.close(),
  };
}

/** A server reached directly, as kubectl's --server, --certificate-authority and --tls-server-name say. */
interface DirectServer {
  url: string;
  caFile: string;
  /** The name its serving certificate is checked for; default: the URL's host. */
  tlsServerName?: string | undefined;
}

/**
 * The kubeconfig's current user (client certificate, token or exec plugin), sent to `server` instead of
 * the API server: a server that authenticates and authorizes as kube-apiserver does (client-ca-file,
 * TokenReview, SubjectAccessReview) then sees this user, as through the aggregator.
 */
export function openDirect(
  flags: ConnectionFlags,
  server: DirectServer,
): { api: KubeApi; close(): Promise<void> } {
  let url: URL;
  try {
    url = new URL(server.url);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'https:')
    throw new CliError(
      `invalid server URL "${server.url}": use https://HOST:PORT (credentials are never sent in clear)`,
    );
  if (url.pathname !== '/' || url.search || url.hash)
    throw new CliError(
      `invalid server URL "${server.url}": use https://HOST:PORT without a path (the metrics paths are added to it)`,
    );
  const direct = kubeConfigOf(flags).withServer(url.origin, server.caFile, server.tlsServerName);
  if (!direct) throw new CliError('the kubeconfig context has no user; pass --context');
  const rest = new KubeRest(direct, requestTimeoutMs(flags.requestTimeout));
  return { api: new KubeApi(rest), close: () => rest.close() };
}
