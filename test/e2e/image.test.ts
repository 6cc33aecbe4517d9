// The image `npm run image` builds (scripts/image.ts), run by podman as the shipped Deployment runs it:
// its user, a read-only root filesystem, every capability dropped, no privilege escalation, its
// volume mounts and arguments, the image's own entrypoint. The APIServices are pointed at it for the
// length of this file: they go Available and the real HPA scales through it. Then back to the
// harness's proxy.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { buildImage, IMAGE, type Image, storageArgs } from '../../scripts/image.ts';
import { type K8sObject, renderHelm, renderKustomize } from '../harness/deploy.ts';
import { freePort, type Proc, startProcess, stopProcess, waitFor } from '../harness/processes.ts';
import { pidsInGroups, recordSockets } from '../harness/sockets.ts';
import { apiServicesManifest, FIXTURES, METRICS_APISERVICES } from '../harness/stack.ts';
import {
  apiServiceAvailable,
  deploymentReplicas,
  eventually,
  hpaEvents,
  kubectl,
  pointApiServicesAt,
  servedPods,
  startLoad,
} from './helpers.ts';

interface Container {
  args: string[];
  command?: string[];
  securityContext: {
    allowPrivilegeEscalation: boolean;
    readOnlyRootFilesystem: boolean;
    capabilities: { drop: string[] };
  };
  volumeMounts: { name: string; mountPath: string; readOnly: boolean }[];
}
type Deployment = K8sObject & {
  spec: {
    template: {
      spec: { securityContext: { runAsUser: number; runAsGroup: number }; containers: Container[] };
    };
  };
};

const deployment = (objects: K8sObject[]) => objects.find((o) => o.kind === 'Deployment') as Deployment;
/**
 * runc, not crun: crun refuses this machine's cgroups (v1, with a v2 hierarchy beside it that has a
 * controller: "cgroups in hybrid mode not supported, drop all controllers from cgroupv2").
 */
const podmanArgs = [...storageArgs(), '--runtime=runc'];
const podman = (args: string[]) =>
  execFileSync('podman', [...podmanArgs, ...args], { encoding: 'utf8' }).trim();

/** The image config of one platform's image in the layout. */
function imageConfig(image: Image, ref: string) {
  const blob = (digest: string) => readFileSync(join(image.layout, 'blobs', ...digest.split(':')), 'utf8');
  const index = JSON.parse(readFileSync(join(image.layout, 'index.json'), 'utf8')) as {
    manifests: { digest: string; annotations: Record<string, string> }[];
  };
  const entry = index.manifests.find((m) => m.annotations['org.opencontainers.image.ref.name'] === ref);
  const manifest = JSON.parse(blob(entry?.digest ?? '')) as { config: { digest: string } };
  return JSON.parse(blob(manifest.config.digest)) as {
    architecture: string;
    config: { User: string; Entrypoint: string[]; Cmd?: string[] };
  };
}

const shipped = () => deployment(renderKustomize(inject('binDir')));
const HPA = 'sample-httpserver';

let image: Image;
let dir: string;
let proc: Proc | undefined;
let port = 0;
const name = `cmetrics-e2e-image-${process.pid}`;

beforeAll(async () => {
  image = await buildImage();
  const sizes = image.platforms.map(
    (p) => `${p.arch} ${(p.compressed / 2 ** 20).toFixed(1)}/${(p.uncompressed / 2 ** 20).toFixed(1)} MiB`,
  );
  console.log(`[image] oci:${image.layout}:${image.ref} (gzip/unpacked: ${sizes.join(', ')})`);
}, 300_000);

afterAll(async () => {
  kubectl(['delete', 'hpa', HPA, '--ignore-not-found']);
  kubectl(['scale', 'deployment', 'custom-metrics-app', '--replicas=1']);
  // Back to the harness's proxy, Available before the next file runs.
  await pointApiServicesAt(inject('proxyPort'));
  if (proc) await stopContainer(proc);
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 180_000);

async function stopContainer(p: Proc): Promise<void> {
  try {
    const pid = Number(podman(['inspect', '--format', '{{.State.Pid}}', name]));
    if (pid > 0) recordSockets(inject('workDir'), 'cmetrics-proxy-image', pidsInGroups([pid]).concat(pid));
  } catch {
    // gone already
  }
  await stopProcess(p, 30_000);
}

describe('the image', () => {
  it('is a manifest list of linux/amd64 and linux/arm64, each run as the manifests run it', () => {
    const index = JSON.parse(readFileSync(join(image.layout, 'index.json'), 'utf8')) as {
      manifests: { mediaType: string; annotations: Record<string, string> }[];
    };
    const list = index.manifests.find(
      (m) => m.annotations['org.opencontainers.image.ref.name'] === image.ref,
    );
    expect(list?.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const { spec } = shipped().spec.template;
    const container = spec.containers[0] as Container;
    for (const p of image.platforms) {
      const config = imageConfig(image, p.ref);
      expect(config.architecture).toBe(p.arch);
      // The manifests run the image's entrypoint with their arguments, as its user.
      expect(config.config.Entrypoint).toEqual([IMAGE.entrypoint]);
      expect(config.config.Cmd ?? []).toEqual([]);
      expect(config.config.User).toBe(`${spec.securityContext.runAsUser}:${spec.securityContext.runAsGroup}`);
      expect(p.compressed).toBeLessThan(p.uncompressed);
    }
    expect(container.command).toBeUndefined();
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    // The chart's Deployment is the same container.
    const chart = deployment(renderHelm(inject('binDir'), [])).spec.template.spec;
    expect(chart.securityContext).toEqual(spec.securityContext);
    const { image: _k, ...kustomizeContainer } = container as Container & { image: string };
    const { image: _h, ...helmContainer } = chart.containers[0] as Container & { image: string };
    expect(helmContainer).toEqual(kustomizeContainer);
  });

  it('holds no shell, and its arm64 root filesystem runs (umoci unpack, under emulation)', () => {
    const bundle = mkdtempSync(join(tmpdir(), 'cmetrics-image-arm64-'));
    try {
      const arm64 = image.platforms.find((p) => p.arch === 'arm64');
      execFileSync('umoci', ['unpack', '--image', `${image.layout}:${arm64?.ref}`, join(bundle, 'b')]);
      const rootfs = join(bundle, 'b', 'rootfs');
      const files = execFileSync('find', ['.', '-type', 'f'], { cwd: rootfs, encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .sort();
      expect(files).toEqual(
        [
          `.${IMAGE.entrypoint}`,
          './etc/group',
          './etc/nsswitch.conf',
          './etc/passwd',
          `.${IMAGE.caCertificates}`,
          './lib/ld-linux-aarch64.so.1',
          './lib/aarch64-linux-gnu/libc.so.6',
          './lib/aarch64-linux-gnu/libgcc_s.so.1',
          './lib/aarch64-linux-gnu/libstdc++.so.6',
          './lib/aarch64-linux-gnu/libdl.so.2',
          './lib/aarch64-linux-gnu/libm.so.6',
          './lib/aarch64-linux-gnu/libpthread.so.0',
          './usr/share/doc/cmetrics/LICENSE',
        ].sort(),
      );
      expect(readFileSync(join(rootfs, 'etc', 'passwd'), 'utf8')).toMatch(/^nonroot:x:65532:65532:/);
      // -L: the loader and libraries from the image's root filesystem, none of this machine's.
      const help = execFileSync('qemu-aarch64', ['-L', rootfs, join(rootfs, IMAGE.entrypoint), '--help'], {
        encoding: 'utf8',
        env: {},
      });
      expect(help).toContain('--prometheus-url');
    } finally {
      rmSync(bundle, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('the amd64 image under podman, read-only, no capabilities, as uid 65532', () => {
  beforeAll(async () => {
    const amd64 = image.platforms.find((p) => p.arch === 'amd64');
    // From the layout, by a path relative to it: podman names what it pulls after the path, which
    // must then be a valid image name (~/.cache is not one).
    const id = execFileSync('podman', [...podmanArgs, 'pull', '--quiet', `oci:oci:${amd64?.ref}`], {
      cwd: dirname(image.layout),
      encoding: 'utf8',
    }).trim();
    const { spec } = shipped().spec.template;
    const container = spec.containers[0] as Container;
    const uid = spec.securityContext.runAsUser;
    dir = mkdtempSync(join(tmpdir(), 'cmetrics-e2e-image-'));
    chmodSync(dir, 0o755);
    // The volumes the Deployment mounts, filled with this machine's files: the ConfigMap's config
    // (the harness's rules), the serving Secret; and the ServiceAccount's kubeconfig, its CA beside it.
    const volume = (mountName: string) => {
      const mount = container.volumeMounts.find((m) => m.name === mountName);
      if (!mount) throw new Error(`the Deployment mounts no ${mountName}`);
      const host = join(dir, mountName);
      mkdirSync(host);
      return { host, mount };
    };
    const config = volume('config');
    copyFileSync(join(FIXTURES, 'harness-adapter.yaml'), join(config.host, 'config.yaml'));
    const serving = volume('serving-cert');
    const pki = join(inject('workDir'), 'pki');
    copyFileSync(join(pki, 'cmetrics-proxy-serving.crt'), join(serving.host, 'tls.crt'));
    copyFileSync(join(pki, 'cmetrics-proxy-serving.key'), join(serving.host, 'tls.key'));
    const kube = { host: join(dir, 'kube'), mount: { mountPath: '/var/run/cmetrics/kube', readOnly: true } };
    mkdirSync(kube.host);
    const kubeconfig = parse(
      readFileSync(join(inject('workDir'), 'cmetrics-proxy-sa.kubeconfig'), 'utf8'),
    ) as {
      clusters: { cluster: { 'certificate-authority': string } }[];
    };
    for (const { cluster } of kubeconfig.clusters) {
      copyFileSync(cluster['certificate-authority'], join(kube.host, 'ca.crt'));
      cluster['certificate-authority'] = `${kube.mount.mountPath}/ca.crt`;
    }
    writeFileSync(join(kube.host, 'kubeconfig'), stringify(kubeconfig));
    for (const d of [config.host, serving.host, kube.host]) {
      chownSync(d, uid, uid);
      for (const f of execFileSync('ls', [d], { encoding: 'utf8' }).split('\n').filter(Boolean))
        chownSync(join(d, f), uid, uid);
    }
    port = await freePort();
    const rewrite: Record<string, string> = {
      '--prometheus-url': inject('prometheusUrl'),
      '--secure-port': String(port),
      '--metrics-relist-interval': '5s',
      // Requests are logged at debug: to see the aggregator's reach the container.
      '--log-level': 'debug',
    };
    const args = container.args.map((a) => {
      const [flag = '', value] = a.split('=', 2);
      return value !== undefined && flag in rewrite ? `${flag}=${rewrite[flag]}` : a;
    });
    const { securityContext: sc } = container;
    // Limits below the hard ones (podman's defaults are above them): raising one needs
    // CAP_SYS_RESOURCE, which this machine's root lacks ("setrlimit `RLIMIT_NOFILE`: Operation not
    // permitted").
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const hard = (what: string) =>
      Number(new RegExp(`^${what}\\s+\\S+\\s+(\\d+)`, 'm').exec(limits)?.[1] ?? 1024);
    proc = startProcess(
      name,
      'podman',
      [
        ...podmanArgs,
        'run',
        '--rm',
        `--name=${name}`,
        `--user=${uid}:${spec.securityContext.runAsGroup}`,
        ...(sc.readOnlyRootFilesystem ? ['--read-only'] : []),
        ...sc.capabilities.drop.map((c) => `--cap-drop=${c}`),
        ...(sc.allowPrivilegeEscalation ? [] : ['--security-opt=no-new-privileges']),
        '--network=host',
        `--ulimit=nofile=${Math.min(hard('Max open files'), 65536)}`,
        `--ulimit=nproc=${Math.min(hard('Max processes') - 1, 4096)}`,
        ...[config, serving, kube].map(({ host, mount }) => `--volume=${host}:${mount.mountPath}:ro`),
        id,
        ...args,
        '--bind-address=127.0.0.1',
        `--kubeconfig=${kube.mount.mountPath}/kubeconfig`,
      ],
      dir,
    );
    await waitFor(
      'the image serving',
      async () => (readFileSync(proc?.log ?? '', 'utf8').includes('"msg":"serving"') ? true : undefined),
      { proc, timeoutMs: 60_000 },
    );
  }, 180_000);

  it('runs as 65532 with no capabilities, no new privileges and a read-only root', () => {
    const pid = podman(['inspect', '--format', '{{.State.Pid}}', name]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    expect(status).toMatch(/^Uid:\s+65532\s+65532\s+65532\s+65532$/m);
    expect(status).toMatch(/^CapEff:\s+0+$/m);
    expect(status).toMatch(/^CapBnd:\s+0+$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    const root = readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
      .split('\n')
      .find((l) => l.split(' ')[4] === '/');
    expect(root?.split(' ')[5]).toMatch(/^ro\b/);
    expect(podman(['inspect', '--format', '{{.Config.Entrypoint}}', name])).toContain(IMAGE.entrypoint);
  });

  it('serves the APIServices: each goes Available on it', async () => {
    kubectl(['apply', '-f', '-'], apiServicesManifest(port, readFileSync(inject('servingCa'))));
    for (const { group, version } of METRICS_APISERVICES) {
      const name = `${version}.${group}`;
      const spec = JSON.parse(kubectl(['get', 'apiservice', name, '-o', 'jsonpath={.spec.service}'])) as {
        port: number;
      };
      expect(spec.port).toBe(port);
      expect((await apiServiceAvailable(name)).reason).toBe('Passed');
    }
    const top = kubectl(['top', 'pods', '-n', 'default']);
    expect(top).toContain('custom-metrics-app');
  }, 120_000);

  it('is what the real HPA scales on', async () => {
    kubectl(['apply', '-f', join(FIXTURES, 'hpa.yaml')]);
    const hpa = () =>
      JSON.parse(kubectl(['get', 'hpa', HPA, '-o', 'json'])) as {
        status: { conditions?: { type: string; status: string; reason: string }[] };
      };
    await eventually(
      'the HPA reads qps from the image',
      () =>
        hpa().status.conditions?.some((c) => c.type === 'ScalingActive' && c.status === 'True')
          ? true
          : undefined,
      90_000,
      1000,
    );
    const load = startLoad(() => Object.values(servedPods()), 4, 120_000);
    let peak: number;
    try {
      peak = await eventually(
        'scale-up',
        () => {
          const r = deploymentReplicas('custom-metrics-app');
          return r > 1 ? r : undefined;
        },
        110_000,
        1000,
      );
    } finally {
      await load.stop();
    }
    console.log(`[image] the HPA scaled custom-metrics-app to ${peak} replicas through the image`);
    expect(peak).toBeGreaterThan(1);
    expect(hpaEvents(HPA)).toMatch(/SuccessfulRescale:New size: \d+; reason: pods metric qps above target/);
    // The controller's requests reached the container (its request log).
    expect(readFileSync(proc?.log ?? '', 'utf8')).toMatch(/custom\.metrics\.k8s\.io/);
  }, 240_000);
});
