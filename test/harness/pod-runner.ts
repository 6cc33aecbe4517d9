#!/usr/bin/env node
// The "kubelet" of the sample app on a kwok cluster. kwok marks pods Running and gives them pod IPs
// in 127.0.0.0/8 but runs no containers; this runner watches the selected pods and runs one
// sample-app process per Running pod, listening on <podIP>:<port>, so Prometheus can scrape the pods
// at their real addresses.
//
//   node test/harness/pod-runner.ts --kubeconfig FILE [--selector app=custom-metrics-app]
//     [--port 3000] [--app test/sample-app/main.ts] [--state-file FILE]
//
// Logs go to stderr (the apps' stderr too); nothing is written to stdout. With --state-file, the pods
// whose app answers on /metrics are written there as JSON after every change.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { KubeConfig, makeInformer, type V1Pod, type V1PodList } from '@kubernetes/client-node';
import { request } from 'undici';
import yargs from 'yargs';
import { KubeRest } from '../../shared/kube.ts';
import { type DesiredApp, desiredApps, NOTEWORTHY_SKIPS, type SkippedPod } from './pod-runner-plan.ts';

const MAX_RESTARTS = 5;
const RESTART_DELAY_MS = 1000;
const INFORMER_RESTART_DELAY_MS = 1000;
const PROBE_INTERVAL_MS = 100;
const PROBE_TIMEOUT_MS = 500;
const PROBE_DEADLINE_MS = 5000;
const KILL_AFTER_MS = 3000;

const args = yargs(process.argv.slice(2))
  .scriptName('pod-runner')
  .usage('$0 --kubeconfig FILE [flags]\n\nRuns one sample-app process per Running (kwok) pod, on the pod IP.')
  .option('kubeconfig', { type: 'string', demandOption: true, describe: 'kubeconfig of the cluster' })
  .option('selector', {
    type: 'string',
    default: 'app=custom-metrics-app',
    describe: 'label selector of the pods',
  })
  .option('port', { type: 'number', default: 3000, describe: 'port the apps listen on' })
  .option('app', {
    type: 'string',
    default: fileURLToPath(new URL('../sample-app/main.ts', import.meta.url)),
    describe: 'script to run per pod (gets --listen IP:PORT)',
  })
  .option('state-file', { type: 'string', describe: 'JSON file listing the pods being served' })
  .option('file-sd', {
    type: 'string',
    describe: 'Prometheus file_sd targets file: the served pods with namespace, pod and service labels',
  })
  .strict()
  .version(false)
  .help()
  .parseSync();

function log(msg: string): void {
  process.stderr.write(`pod-runner: ${msg}\n`);
}
function fail(msg: string): never {
  log(msg);
  process.exit(1);
}

const port = args.port;
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--port ${port}: expected 1-65535`);
const appPath = args.app;
if (!existsSync(appPath)) fail(`--app ${appPath}: no such file`);
const selector = args.selector;
const stateFile = args['state-file'];
const fileSd = args['file-sd'];
/** Labels of a pod as the watch last saw them (set once the informer exists). */
let podLabels: (namespace: string, name: string) => Record<string, string> = () => ({});

interface Served {
  app: DesiredApp;
  /** The running child, if any (none while waiting to restart, or after giving up). */
  proc: ChildProcess | undefined;
  /** The child answered on /metrics. */
  listening: boolean;
  probe: AbortController | undefined;
  restartTimer: NodeJS.Timeout | undefined;
  /** Waiting for a terminating child that still holds this IP to exit. */
  waitingForIp: boolean;
}

/** Desired apps being served, by pod uid. */
const served = new Map<string, Served>();
/** Every child process still alive, with a promise of its exit. */
const live = new Map<ChildProcess, Promise<void>>();
/** Children we are stopping (their pod went away or moved), with the IP they still hold. */
const terminating = new Map<ChildProcess, string>();
/** Unexpected exits so far, by pod uid (forgotten when the pod goes away). */
const restarts = new Map<string, number>();
/** Skips already logged, as `uid/reason`. */
const loggedSkips = new Set<string>();
let shuttingDown = false;

const podName = (a: { namespace: string; name: string }) => `${a.namespace}/${a.name}`;

// ---- state file -------------------------------------------------------------------------------

let lastState: string | undefined;
let lastTargets: string | undefined;
function writeState(): void {
  const listening = [...served.values()].filter((s) => s.listening && s.proc?.pid !== undefined);
  if (fileSd) {
    // What a ServiceMonitor would attach: namespace, pod, and the Service (named by the app label).
    const targets = listening.map((s) => {
      const app = podLabels(s.app.namespace, s.app.name).app;
      return {
        targets: [`${s.app.ip}:${s.app.port}`],
        labels: { namespace: s.app.namespace, pod: s.app.name, ...(app ? { service: app } : {}) },
      };
    });
    lastTargets = writeAtomically(fileSd, `${JSON.stringify(targets, null, 2)}\n`, lastTargets);
  }
  if (!stateFile) return;
  const pods = listening
    .map((s) => ({
      namespace: s.app.namespace,
      name: s.app.name,
      uid: s.app.uid,
      ip: s.app.ip,
      pid: s.proc?.pid,
    }))
    .sort((a, b) => podName(a).localeCompare(podName(b)));
  lastState = writeAtomically(stateFile, `${JSON.stringify({ pods }, null, 2)}\n`, lastState);
}

/** Writes `text` unless it is what was last written; returns what the file now holds. */
function writeAtomically(file: string, text: string, last: string | undefined): string | undefined {
  if (text === last) return last;
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
    return text;
  } catch (e) {
    log(`cannot write ${file}: ${(e as Error).message}`);
    return last;
  }
}

// ---- children ---------------------------------------------------------------------------------

/** SIGTERM, then SIGKILL if the child is still alive after KILL_AFTER_MS. */
function terminate(proc: ChildProcess): void {
  proc.kill('SIGTERM');
  setTimeout(() => {
    if (live.has(proc)) {
      log(`pid ${proc.pid} ignored SIGTERM for ${KILL_AFTER_MS} ms; killing it`);
      proc.kill('SIGKILL');
    }
  }, KILL_AFTER_MS).unref();
}

function startServed(s: Served): void {
  if ([...terminating.values()].includes(s.app.ip)) {
    s.waitingForIp = true;
    log(`${podName(s.app)}: waiting for the previous app on ${s.app.ip} to exit`);
    return;
  }
  s.waitingForIp = false;
  spawnApp(s);
}

function spawnApp(s: Served): void {
  const listen = `${s.app.ip}:${s.app.port}`;
  // stdout is ignored so that no app output reaches a stdout a test may read.
  const proc = spawn(process.execPath, [appPath, '--listen', listen], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  s.proc = proc;
  s.listening = false;
  let gone = false;
  const exited = new Promise<void>((resolve) => {
    const onGone = (code: number | null, signal: NodeJS.Signals | null) => {
      if (gone) return;
      gone = true;
      live.delete(proc);
      resolve();
      onExit(s, proc, code, signal);
    };
    proc.once('exit', onGone);
    proc.on('error', (e) => {
      log(`${podName(s.app)}: app process error: ${e.message}`);
      if (proc.pid === undefined) onGone(null, null); // never started
    });
  });
  live.set(proc, exited);
  log(`${podName(s.app)}: started pid ${proc.pid} on ${listen}`);
  void probe(s, proc);
}

function onExit(s: Served, proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
  const how = signal ? `signal ${signal}` : `code ${code}`;
  const heldIp = terminating.get(proc);
  if (heldIp !== undefined) {
    terminating.delete(proc);
    log(`${podName(s.app)}: pid ${proc.pid} stopped (${how})`);
    if (!shuttingDown && ![...terminating.values()].includes(heldIp)) {
      for (const w of served.values()) if (w.waitingForIp && w.app.ip === heldIp) startServed(w);
    }
    return;
  }
  if (s.proc !== proc) return;
  s.proc = undefined;
  s.listening = false;
  s.probe?.abort();
  writeState();
  if (shuttingDown || served.get(s.app.uid) !== s) return;
  const n = restarts.get(s.app.uid) ?? 0;
  if (n >= MAX_RESTARTS) {
    log(`${podName(s.app)}: pid ${proc.pid} exited (${how}); gave up after ${MAX_RESTARTS} restarts`);
    return;
  }
  restarts.set(s.app.uid, n + 1);
  log(
    `${podName(s.app)}: pid ${proc.pid} exited (${how}); restart ${n + 1}/${MAX_RESTARTS} in ${RESTART_DELAY_MS} ms`,
  );
  s.restartTimer = setTimeout(() => {
    s.restartTimer = undefined;
    if (!shuttingDown && served.get(s.app.uid) === s) startServed(s);
  }, RESTART_DELAY_MS);
}

/** Lists the pod in the state file once its app answers on /metrics; terminates an app that never does. */
async function probe(s: Served, proc: ChildProcess): Promise<void> {
  const ac = new AbortController();
  s.probe?.abort();
  s.probe = ac;
  const url = `http://${s.app.ip}:${s.app.port}/metrics`;
  const deadline = Date.now() + PROBE_DEADLINE_MS;
  while (!ac.signal.aborted && Date.now() < deadline) {
    try {
      const res = await request(url, {
        signal: AbortSignal.any([ac.signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]),
        reset: true, // no keep-alive connection left behind to a child that may go away
      });
      await res.body.dump();
      if (res.statusCode === 200) {
        if (ac.signal.aborted || s.proc !== proc) return;
        s.listening = true;
        log(`${podName(s.app)}: pid ${proc.pid} serving ${url}`);
        writeState();
        return;
      }
    } catch {
      // not listening yet
    }
    await sleep(PROBE_INTERVAL_MS, undefined, { signal: ac.signal }).catch(() => {});
  }
  if (ac.signal.aborted || s.proc !== proc) return;
  log(
    `${podName(s.app)}: pid ${proc.pid} not answering on ${url} after ${PROBE_DEADLINE_MS} ms; terminating it`,
  );
  terminate(proc); // its exit counts as unexpected: restarted within the budget
}

function stopServed(s: Served, why: string): void {
  clearTimeout(s.restartTimer);
  s.restartTimer = undefined;
  s.probe?.abort();
  s.waitingForIp = false;
  s.listening = false;
  const proc = s.proc;
  s.proc = undefined;
  if (!proc) return;
  log(`${podName(s.app)}: stopping pid ${proc.pid} (${why})`);
  terminating.set(proc, s.app.ip);
  terminate(proc);
}

// ---- reconciliation ---------------------------------------------------------------------------

function logSkips(skipped: SkippedPod[]): void {
  for (const k of skipped) {
    if (!NOTEWORTHY_SKIPS.has(k.reason)) continue;
    const key = `${k.uid}/${k.reason}/${k.ip}`;
    if (loggedSkips.has(key)) continue;
    loggedSkips.add(key);
    log(`${podName(k)}: not serving pod IP ${k.ip}: ${k.reason}`);
  }
}

function reconcile(): void {
  if (shuttingDown) return;
  const plan = desiredApps(informer.list(), { port });
  logSkips(plan.skipped);
  const want = new Map(plan.apps.map((a) => [a.uid, a]));
  for (const [uid, s] of served) {
    const a = want.get(uid);
    if (a && a.ip === s.app.ip) continue;
    stopServed(s, a ? `pod IP changed to ${a.ip}` : 'pod deleted, terminating or no longer running');
    served.delete(uid);
    if (!a) restarts.delete(uid);
  }
  for (const a of plan.apps) {
    if (served.has(a.uid)) continue;
    const s: Served = {
      app: a,
      proc: undefined,
      listening: false,
      probe: undefined,
      restartTimer: undefined,
      waitingForIp: false,
    };
    served.set(a.uid, s);
    startServed(s);
  }
  const present = new Set(plan.skipped.map((k) => k.uid).concat(plan.apps.map((a) => a.uid)));
  for (const key of loggedSkips) if (!present.has(key.slice(0, key.indexOf('/')))) loggedSkips.delete(key);
  writeState();
}

let reconcileQueued = false;
/** Coalesces the events of one informer burst; runs after the informer's cache is updated. */
function scheduleReconcile(): void {
  if (reconcileQueued) return;
  reconcileQueued = true;
  setImmediate(() => {
    reconcileQueued = false;
    reconcile();
  });
}

// ---- informer ---------------------------------------------------------------------------------

const kc = new KubeConfig();
kc.loadFromFile(args.kubeconfig);
const rest = new KubeRest(kc);
const informer = makeInformer<V1Pod>(
  kc,
  '/api/v1/pods',
  () => rest.get<V1PodList>('/api/v1/pods', { labelSelector: selector || undefined }),
  selector || undefined,
);
podLabels = (namespace, name) => informer.get(name, namespace)?.metadata?.labels ?? {};
informer.on('add', scheduleReconcile);
informer.on('update', scheduleReconcile);
informer.on('delete', scheduleReconcile);

let informerRestart: NodeJS.Timeout | undefined;
function restartInformerLater(err: unknown): void {
  if (shuttingDown) return; // stop() aborts the watch, which reports as an error
  const why = (err as Error | undefined)?.message ?? String(err);
  log(`pod watch failed: ${why}; restarting in ${INFORMER_RESTART_DELAY_MS} ms`);
  if (informerRestart) return;
  informerRestart = setTimeout(() => {
    informerRestart = undefined;
    if (!shuttingDown) startInformer();
  }, INFORMER_RESTART_DELAY_MS);
}
informer.on('error', restartInformerLater);

function startInformer(): void {
  informer.start().then(scheduleReconcile, restartInformerLater);
}

// ---- lifecycle --------------------------------------------------------------------------------

async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  log(`${signal}: stopping ${live.size} app(s)`);
  clearTimeout(informerRestart);
  await informer.stop().catch(() => {});
  for (const s of served.values()) {
    clearTimeout(s.restartTimer);
    s.probe?.abort();
  }
  for (const proc of live.keys()) proc.kill('SIGTERM');
  const all = Promise.all(live.values());
  const timedOut = await Promise.race([all.then(() => false), sleep(KILL_AFTER_MS).then(() => true)]);
  if (timedOut) {
    for (const proc of live.keys()) {
      log(`pid ${proc.pid} still running after ${KILL_AFTER_MS} ms; killing it`);
      proc.kill('SIGKILL');
    }
    await Promise.race([all, sleep(1000)]);
  }
  served.clear();
  writeState();
  await rest.close().catch(() => {});
  process.exit(0);
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
  process.once(signal, () => void shutdown(signal));
// Last resort (uncaught error, process.exit elsewhere): no app may outlive the runner.
process.on('exit', () => {
  for (const proc of live.keys()) {
    try {
      proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

writeState();
log(`watching pods (${selector || 'all'}) in all namespaces; apps listen on port ${port}`);
startInformer();
