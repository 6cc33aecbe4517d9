// `kubectl cmetrics version`, after `kubectl version --client`: the plugin's version and commit (set by
// scripts/build.ts through esbuild's define), the platform in Go's names, and the runtime it runs on.
import { type DocumentFormat, formatDocument } from '../printers/output.ts';

/** Replaced at build time (scripts/build.ts); absent when the plugin runs from its sources. */
declare const CMETRICS_BUILD: { version: string; commit: string } | undefined;

interface ClientVersion {
  gitVersion: string;
  gitCommit: string;
  /** GOOS/GOARCH, as kubectl prints it: linux/amd64, darwin/arm64, windows/amd64. */
  platform: string;
  /** The JavaScript runtime and its version: bun 1.4.4, or node 24.21.0. */
  runtime: string;
}

/** Node's names for platforms and architectures, where Go's differ (go/build's GOOS and GOARCH lists). */
const GO_OS: Record<string, string> = { win32: 'windows' };
const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386' };

export function clientVersion(): ClientVersion {
  const build = typeof CMETRICS_BUILD === 'undefined' ? undefined : CMETRICS_BUILD;
  const bun = (process.versions as Record<string, string | undefined>).bun;
  return {
    gitVersion: build ? `v${build.version}` : 'v0.0.0-dev',
    gitCommit: build?.commit ?? 'unknown',
    platform: `${GO_OS[process.platform] ?? process.platform}/${GO_ARCH[process.arch] ?? process.arch}`,
    runtime: bun ? `bun ${bun}` : `node ${process.versions.node}`,
  };
}

/** One line, or `{clientVersion: …}` as `kubectl version --client -o json|yaml` prints it. */
export async function renderVersion(v: ClientVersion, output: DocumentFormat | undefined): Promise<string> {
  if (output) return formatDocument({ clientVersion: v }, output);
  return `cmetrics ${v.gitVersion} (commit ${v.gitCommit}, ${v.platform}, ${v.runtime})\n`;
}
