import { describe, expect, it } from 'vitest';
import { ExtensionApiserverAuthentication } from '../../../proxy/server/extension-apiserver-authentication.ts';
import { selfSignedCertificate } from '../../../proxy/server/self-signed.ts';

const frontProxyCa = selfSignedCertificate(['front-proxy']).caPem;
const clientCa = selfSignedCertificate(['client']).caPem;

function loader(initial: Record<string, string> | undefined) {
  let data = initial;
  const paths: string[] = [];
  const auth = new ExtensionApiserverAuthentication(async <T>(path: string) => {
    paths.push(path);
    return (data === undefined ? {} : { data }) as T;
  });
  return { auth, paths, set: (next: Record<string, string>) => (data = next) };
}

describe('ExtensionApiserverAuthentication', () => {
  it('reads both CAs from kube-system/extension-apiserver-authentication', async () => {
    const { auth, paths } = loader({
      'requestheader-client-ca-file': frontProxyCa,
      'requestheader-allowed-names': '["front-proxy-client"]',
      'client-ca-file': clientCa,
    });
    expect(await auth.load()).toBe(true);
    expect(paths).toEqual(['/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication']);
    expect(auth.requestHeader?.caPem).toBe(frontProxyCa);
    expect(auth.requestHeader?.allowedNames).toEqual(['front-proxy-client']);
    expect(auth.clientCa?.caPem).toBe(clientCa);
  });

  it('knows no CA from a ConfigMap without data', async () => {
    const { auth } = loader(undefined);
    expect(await auth.load()).toBe(false);
    expect(auth.requestHeader).toBeUndefined();
    expect(auth.clientCa).toBeUndefined();
  });

  it('keeps the same configuration while the ConfigMap is unchanged, and tells when a CA changes', async () => {
    const { auth, set } = loader({ 'requestheader-client-ca-file': frontProxyCa });
    await auth.load();
    const first = auth.requestHeader;
    expect(await auth.load()).toBe(false);
    expect(auth.requestHeader).toBe(first);
    // A change that leaves both CAs as they were: a new configuration, no TLS context to rebuild.
    set({ 'requestheader-client-ca-file': frontProxyCa, 'requestheader-allowed-names': '["a"]' });
    expect(await auth.load()).toBe(false);
    expect(auth.requestHeader).not.toBe(first);
    set({ 'requestheader-client-ca-file': frontProxyCa, 'client-ca-file': clientCa });
    expect(await auth.load()).toBe(true);
  });
});
