// kubectl's connection flags: --kubeconfig, --context, -n/--namespace (default: the context's
// namespace) and --request-timeout (0: none; a bare number: seconds).
import { parseDuration } from '../../shared/duration.ts';
import { KubeRest } from '../../shared/kube.ts';
import { loadKubeConfig } from '../../shared/kubeconfig.ts';
import { closest } from '../../shared/text.ts';
import { CliError } from '../errors.ts';
import { KubeApi } from './api.ts';
import { Discovery } from './discovery.ts';

export interface ConnectionFlags {
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

export function openSession(flags: ConnectionFlags): Session {
  const timeoutMs = requestTimeoutMs(flags.requestTimeout);
  let kc: ReturnType<typeof loadKubeConfig>;
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
