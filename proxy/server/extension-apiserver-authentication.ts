// The client CAs the cluster publishes for aggregated API servers in
// kube-system/extension-apiserver-authentication: the front proxy's (requestheader-*) and the one
// for client certificates (client-ca-file), read again while the proxy runs, as k8s.io/apiserver's
// pkg/server/options/authentication.go DelegatingAuthenticationOptions does.
import {
  type ClientCaConfig,
  clientCaConfigFrom,
  type RequestHeaderConfig,
  requestHeaderConfigFrom,
} from './front-proxy.ts';

/** KubeRest.get's shape: the one call this module makes to the API server. */
type Get = <T>(path: string) => Promise<T>;

const CONFIG_MAP_PATH = '/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication';

export class ExtensionApiserverAuthentication {
  requestHeader: RequestHeaderConfig | undefined;
  clientCa: ClientCaConfig | undefined;
  private source = '';
  private readonly get: Get;

  constructor(get: Get) {
    this.get = get;
  }

  /** Reads the ConfigMap; true when either CA changed (the TLS context then needs rebuilding). */
  async load(): Promise<boolean> {
    const before = [this.requestHeader?.caPem, this.clientCa?.caPem];
    const cm = await this.get<{ data?: Record<string, string> }>(CONFIG_MAP_PATH);
    // Kept as is while unchanged, so per-connection verdicts stay cached.
    const source = JSON.stringify(cm.data ?? {});
    if (source === this.source) return false;
    this.source = source;
    this.requestHeader = requestHeaderConfigFrom(cm.data ?? {});
    this.clientCa = clientCaConfigFrom(cm.data ?? {});
    return this.requestHeader?.caPem !== before[0] || this.clientCa?.caPem !== before[1];
  }
}
