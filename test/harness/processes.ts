// Child processes of the harness: each in its own process group so that stopping it stops whatever
// it started, logs to a file, and a registry that kills every group it knows on exit.
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

export interface Proc {
  name: string;
  pid: number;
  child: ChildProcess;
  log: string;
  exited: Promise<number | null>;
}

const running = new Map<number, Proc>();
let exitHookInstalled = false;

export function startProcess(
  name: string,
  command: string,
  args: string[],
  logDir: string,
  env: NodeJS.ProcessEnv = {},
): Proc {
  const log = join(logDir, `${name}.log`);
  const fd = openSync(log, 'a');
  const child = spawn(command, args, {
    stdio: ['ignore', fd, fd],
    detached: true,
    env: { ...process.env, ...env },
  });
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const proc: Proc = { name, pid: child.pid, child, log, exited };
  running.set(child.pid, proc);
  void exited.then(() => running.delete(proc.pid));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const p of running.values()) killGroup(p.pid, 'SIGKILL');
    });
  }
  return proc;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** SIGKILL the process group at once (a crash, an OOM kill), and wait until it is gone. */
export async function killProcess(p: Proc): Promise<void> {
  if (!running.has(p.pid)) return;
  killGroup(p.pid, 'SIGKILL');
  await p.exited;
}

/** SIGTERM the process group, then SIGKILL if it is still there after `graceMs`. */
export async function stopProcess(p: Proc, graceMs = 5000): Promise<void> {
  if (!running.has(p.pid)) return;
  killGroup(p.pid, 'SIGTERM');
  const timer = setTimeout(() => killGroup(p.pid, 'SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(timer);
  killGroup(p.pid, 'SIGKILL');
}

export function runningProcesses(): Proc[] {
  return [...running.values()];
}

/** A port nothing listens on at `host` now. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a value, failing with the process's log tail if it dies or time runs out. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  opts: { timeoutMs?: number; intervalMs?: number; proc?: Proc } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let lastError = '';
  let dead = false;
  void opts.proc?.exited.then(() => {
    dead = true;
  });
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = (e as Error).message;
    }
    if (dead) break;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
  const { readFileSync } = await import('node:fs');
  const tail = opts.proc
    ? `\n--- ${opts.proc.log} (tail) ---\n${readFileSync(opts.proc.log, 'utf8').split('\n').slice(-30).join('\n')}`
    : '';
  throw new Error(
    `${what}: ${dead ? 'process exited' : 'timed out'}${lastError ? ` (last error: ${lastError})` : ''}${tail}`,
  );
}
