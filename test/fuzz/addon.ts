// Jazzer.js 4.0.0's prebuilt fuzzing engine (@jazzer.js/fuzzer prebuilds/fuzzer-linux-x64.node) was
// linked against glibc 2.38 and libstdc++ 13; Debian 12 has glibc 2.36 and libstdc++ 12, so it does
// not load ("version `GLIBC_2.38' not found", then "`GLIBCXX_3.4.32' not found"), and the package
// ships no sources to rebuild it from. It needs three functions of those versions: glibc's C23
// strtol and strtoul (`__isoc23_strtol`, which differ from strtol only in reading "0b" binary
// prefixes) and libstdc++'s std::ios_base_library_init() (which makes sure the standard streams
// exist; libstdc++ 12 makes them as it loads). A copy, made once in ~/.cache/cmetrics/jazzer, takes
// them from a shim library instead: patchelf clears the three symbols' versions and adds the shim as
// a needed library, and the two version requirements are marked weak (VER_FLG_WEAK in the
// .gnu.version_r entry, so the loader no longer refuses the file for them).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
export const ADDON = join(
  root,
  'node_modules',
  '@jazzer.js',
  'fuzzer',
  'prebuilds',
  `fuzzer-${process.platform}-${process.arch}.node`,
);

const SHIM = `#include <stdlib.h>
long __isoc23_strtol(const char *s, char **end, int base) { return strtol(s, end, base); }
unsigned long __isoc23_strtoul(const char *s, char **end, int base) { return strtoul(s, end, base); }
void _ZSt21ios_base_library_initv(void) {}
`;
const SYMBOLS = ['__isoc23_strtol', '__isoc23_strtoul', '_ZSt21ios_base_library_initv'];
const VERSIONS = ['GLIBC_2.38', 'GLIBCXX_3.4.32'];

function glibcAtLeast(major: number, minor: number): boolean {
  const header = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header;
  const [ma = 0, mi = 0] = (header.glibcVersionRuntime ?? '0.0').split('.').map(Number);
  return ma > major || (ma === major && mi >= minor);
}

/** Sets VER_FLG_WEAK on the named version requirements of an ELF64 little-endian file. */
function weakenVersionNeeds(elf: Buffer, names: readonly string[]): string[] {
  const weakened: string[] = [];
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const section = (i: number) => {
    const at = shoff + i * shentsize;
    return {
      type: elf.readUInt32LE(at + 4),
      offset: Number(elf.readBigUInt64LE(at + 0x18)),
      link: elf.readUInt32LE(at + 0x28),
    };
  };
  const SHT_GNU_VERNEED = 0x6ffffffe;
  const VER_FLG_WEAK = 0x2;
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (s.type !== SHT_GNU_VERNEED) continue;
    const strings = section(s.link).offset;
    const name = (at: number) => elf.toString('latin1', strings + at, elf.indexOf(0, strings + at));
    for (let need = s.offset; ; ) {
      const count = elf.readUInt16LE(need + 2);
      let aux = need + elf.readUInt32LE(need + 8);
      for (let k = 0; k < count; k++) {
        if (names.includes(name(elf.readUInt32LE(aux + 8)))) {
          elf.writeUInt16LE(elf.readUInt16LE(aux + 4) | VER_FLG_WEAK, aux + 4);
          weakened.push(name(elf.readUInt32LE(aux + 8)));
        }
        aux += elf.readUInt32LE(aux + 12);
      }
      const next = elf.readUInt32LE(need + 12);
      if (!next) break;
      need += next;
    }
  }
  return weakened;
}

/** The addon to load: the package's own where this glibc has what it needs, else the patched copy. */
export function runnableAddon(): string {
  if (process.platform !== 'linux' || glibcAtLeast(2, 38)) return ADDON;
  const dir = join(homedir(), '.cache', 'cmetrics', 'jazzer', process.arch);
  const patched = join(dir, 'fuzzer.node');
  if (existsSync(patched)) return patched;
  mkdirSync(dir, { recursive: true });
  const shim = join(dir, 'libglibc238-shim.so');
  writeFileSync(join(dir, 'shim.c'), SHIM);
  execFileSync('gcc', ['-shared', '-fPIC', '-O2', '-o', shim, join(dir, 'shim.c')]);
  const work = `${patched}.tmp`;
  copyFileSync(ADDON, work);
  execFileSync('patchelf', [...SYMBOLS.flatMap((s) => ['--clear-symbol-version', s]), work]);
  const elf = readFileSync(work);
  weakenVersionNeeds(elf, VERSIONS);
  writeFileSync(work, elf);
  execFileSync('patchelf', ['--add-needed', shim, work]);
  renameSync(work, patched);
  return patched;
}
