// Which addresses a set of processes talks to, read from /proc: every socket inode a process holds,
// matched against the kernel's TCP and UDP tables. Processes a test file starts and stops itself
// leave their sockets, read just before they stop, where loopback.test.ts checks them too.
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SocketEntry {
  pid: number;
  command: string;
  protocol: string;
  local: string;
  remote: string;
  state: string;
}

/** Every pid whose process group is one of `groups` (harness processes and their children). */
export function pidsInGroups(groups: readonly number[]): number[] {
  const wanted = new Set(groups);
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (wanted.has(Number(fields[2]))) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

export function socketsOf(pids: readonly number[]): SocketEntry[] {
  const owners = new Map<string, number>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) owners.set(m[1] as string, pid);
      } catch {
        // closed meanwhile
      }
    }
  }
  const entries: SocketEntry[] = [];
  for (const protocol of ['tcp', 'tcp6', 'udp', 'udp6']) {
    let table = '';
    try {
      table = readFileSync(`/proc/net/${protocol}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of table.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const pid = owners.get(f[9] as string);
      if (pid === undefined) continue;
      let command = '';
      try {
        command = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {}
      entries.push({
        pid,
        command,
        protocol,
        local: decodeAddress(f[1] as string),
        remote: decodeAddress(f[2] as string),
        state: f[3] as string,
      });
    }
  }
  return entries;
}

/** /proc/net addresses are hex, little-endian per 32-bit word: "0100007F:1F90" is 127.0.0.1:8080. */
export function decodeAddress(hex: string): string {
  const [addr, port] = hex.split(':') as [string, string];
  const p = Number.parseInt(port, 16);
  if (addr.length === 8) return `${wordToIPv4(addr)}:${p}`;
  const words = addr.match(/.{8}/g) as string[];
  if (words[0] === '00000000' && words[1] === '00000000' && words[2] === 'FFFF0000')
    return `${wordToIPv4(words[3] as string)}:${p}`;
  const groups = words.flatMap((w) => {
    const b = (w.match(/../g) as string[]).reverse().join('');
    return [b.slice(0, 4), b.slice(4)];
  });
  return `[${groups.map((g) => Number.parseInt(g, 16).toString(16)).join(':')}]:${p}`;
}

function wordToIPv4(word: string): string {
  return (word.match(/../g) as string[])
    .reverse()
    .map((b) => Number.parseInt(b, 16))
    .join('.');
}

/** Loopback, or (for a remote end) unconnected. */
export function isLoopback(address: string, unconnectedAllowed: boolean): boolean {
  const host = address.slice(0, address.lastIndexOf(':'));
  if (host.startsWith('127.') || host === '[0:0:0:0:0:0:0:1]') return true;
  return unconnectedAllowed && (host === '0.0.0.0' || host === '[0:0:0:0:0:0:0:0]');
}

/** Sockets that are not loopback: a local end anywhere else, or a remote end connected elsewhere. */
export function offLoopback(sockets: readonly SocketEntry[]): SocketEntry[] {
  return sockets.filter((s) => !isLoopback(s.local, false) || !isLoopback(s.remote, true));
}

const STOPPED = 'stopped-process-sockets';

/** Records the sockets `pids` hold now as `name`, under the stack's work dir, before they stop. */
export function recordSockets(workDir: string, name: string, pids: readonly number[]): void {
  mkdirSync(join(workDir, STOPPED), { recursive: true });
  writeFileSync(join(workDir, STOPPED, `${name}.json`), JSON.stringify(socketsOf(pids)));
}

/** Every recording of recordSockets under `workDir`, by name. */
export function recordedSockets(workDir: string): Record<string, SocketEntry[]> {
  const dir = join(workDir, STOPPED);
  if (!existsSync(dir)) return {};
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => [
        f.slice(0, -'.json'.length),
        JSON.parse(readFileSync(join(dir, f), 'utf8')) as SocketEntry[],
      ]),
  );
}
