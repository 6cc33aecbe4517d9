// What a process cost, from /proc: CPU time (utime + stime of /proc/PID/stat, in clock ticks of
// 1/100 s on Linux) and memory (VmRSS now, VmHWM the peak, from /proc/PID/status).
import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of utime and stime; 100 on every Linux architecture that Node supports. */
const TICKS_PER_SECOND = 100;

/** utime + stime of the process, in milliseconds. */
export function cpuMs(pid: number): number {
  return parseCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** utime (field 14) + stime (field 15); the command name (field 2) may hold spaces and parentheses. */
export function parseCpuMs(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field N is fields[N - 3].
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) throw new Error(`unreadable /proc stat line: ${stat.slice(0, 100)}`);
  return (ticks * 1000) / TICKS_PER_SECOND;
}

export interface Memory {
  rssMiB: number;
  peakRssMiB: number;
}

export function memory(pid: number): Memory {
  return parseMemory(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

export function parseMemory(status: string): Memory {
  const kib = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (!m) throw new Error(`/proc status has no ${field}`);
    return Number(m[1]);
  };
  return { rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024 };
}
