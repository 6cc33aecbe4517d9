// Running the shipped executables of other platforms on this linux/amd64 machine: linux/arm64 under
// qemu-user (with Debian's arm64 glibc, libc6-arm64-cross), windows/amd64 under Wine. darwin and
// windows/arm64 cannot run here; their checks are in plugin-platforms.test.ts.
import { execFileSync, type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CACHE, type Platform } from '../../scripts/package.ts';

const QEMU = '/usr/bin/qemu-aarch64';
const ARM64_SYSROOT = '/usr/aarch64-linux-gnu';
/** Debian's wine64 package puts its loader here, with no wine64 on PATH. */
const WINE = '/usr/lib/wine/wine64';
const WINESERVER = '/usr/lib/wine/wineserver';

export const canRun = (p: Platform): boolean =>
  (p.os === 'linux' && p.arch === 'amd64') ||
  (p.os === 'linux' && p.arch === 'arm64' && existsSync(QEMU) && existsSync(join(ARM64_SYSROOT, 'lib'))) ||
  (p.os === 'windows' && p.arch === 'amd64' && existsSync(WINE));

/** The stand-in bcryptprimitives.dll (wine/bcryptprimitives.c), compiled once into the cache. */
function bcryptPrimitives(): string {
  const src = join(import.meta.dirname, 'wine', 'bcryptprimitives.c');
  const dll = join(CACHE, 'wine', 'bcryptprimitives.dll');
  if (!existsSync(dll) || statSync(dll).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(join(CACHE, 'wine'), { recursive: true });
    execFileSync('x86_64-w64-mingw32-gcc', [
      ...['-O2', '-shared', '-o', dll, src, join(import.meta.dirname, 'wine', 'bcryptprimitives.def')],
      '-ladvapi32',
    ]);
  }
  return dll;
}

let winePrefix: string | undefined;

/** A Wine prefix of this test run, made once (wineboot takes seconds), with the stand-in DLL. */
function wineEnv(): NodeJS.ProcessEnv {
  if (!winePrefix) {
    const prefix = mkdtempSync(join(tmpdir(), 'cmetrics-wine-'));
    const env = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all' };
    execFileSync(WINE, ['wineboot', '--init'], { env, stdio: 'ignore', timeout: 180_000 });
    copyFileSync(bcryptPrimitives(), join(prefix, 'drive_c', 'windows', 'system32', 'bcryptprimitives.dll'));
    winePrefix = prefix;
  }
  return { WINEPREFIX: winePrefix, WINEDEBUG: '-all', HOME: process.env.HOME };
}

/**
 * Removes the Wine prefix, if one was made: each test file that runs windows/amd64 calls it after.
 * Its wineserver outlives the programs it ran and still writes to the prefix: stop it (-k) and wait for
 * it (-w) first.
 */
export function removeWinePrefix(): void {
  if (winePrefix) {
    const env = { WINEPREFIX: winePrefix, HOME: process.env.HOME };
    spawnSync(WINESERVER, ['-k'], { env, timeout: 30_000 });
    spawnSync(WINESERVER, ['-w'], { env, timeout: 30_000 });
    rmSync(winePrefix, { recursive: true, force: true, maxRetries: 5 });
  }
  winePrefix = undefined;
}

/** `executable ARGS` as platform p's machine would run it: env is all the environment it gets (no PATH
 * unless given, so no node), with Wine's own variables for windows. */
export function runOn(
  p: Platform,
  executable: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): SpawnSyncReturns<string> {
  const [file, argv, extra] =
    p.os === 'linux' && p.arch === 'arm64'
      ? [QEMU, ['-L', ARM64_SYSROOT, executable, ...args], {}]
      : p.os === 'windows'
        ? [WINE, [executable, ...args], wineEnv()]
        : [executable, args, {}];
  return spawnSync(file, argv, { encoding: 'utf8', env: { ...extra, ...env }, timeout: 120_000 });
}
