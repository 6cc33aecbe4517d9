import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BODY, createSampleApp, isLoopbackIPv4, parseListenAddress } from './app.ts';

/** Samples of an exposition, keyed `name{k="v",...}` with labels sorted by name. */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable sample line: ${line}`);
    const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)]
      .map((l) => `${l[1]}="${l[2]}"`)
      .sort();
    samples.set(labels.length ? `${m[1]}{${labels.join(',')}}` : (m[1] as string), Number(m[3]));
  }
  return samples;
}

const ROOT = 'total_req_num{api="/",status="200"}';
const UP = 'total_req_num{api="cpuTempUp",status="200"}';
const DOWN = 'total_req_num{api="cpuTempDown",status="200"}';
const TEMP = 'cpu_temperature_celsius';

let server: Server;
let base: string;

beforeEach(async () => {
  const { app } = createSampleApp();
  server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function get(
  path: string,
  method = 'GET',
): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(`${base}${path}`, { method });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

async function scrape(): Promise<Map<string, number>> {
  const res = await get('/metrics');
  expect(res.status).toBe(200);
  expect(res.type).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(res.body);
}

describe('sample app', () => {
  it('starts with the gauge at 50 and the request counter at 0', async () => {
    const text = (await get('/metrics')).body;
    expect(text).toContain('# HELP total_req_num Number of total http requests.');
    expect(text).toContain('# TYPE total_req_num counter');
    expect(text).toContain('# HELP cpu_temperature_celsius Current temperature of the CPU.');
    expect(text).toContain('# TYPE cpu_temperature_celsius gauge');
    expect(Object.fromEntries(parseExposition(text))).toEqual({ [ROOT]: 0, [TEMP]: 50 });
  });

  it.each<[string, string, Record<string, number>]>([
    ['/', 'GET', { [ROOT]: 1, [TEMP]: 50 }],
    ['/anything/else?x=1', 'GET', { [ROOT]: 1, [TEMP]: 50 }],
    ['/', 'POST', { [ROOT]: 1, [TEMP]: 50 }],
    ['/cpuTempUp', 'GET', { [ROOT]: 1, [UP]: 1, [TEMP]: 60 }],
    ['/cpuTempUp?by=3', 'GET', { [ROOT]: 1, [UP]: 1, [TEMP]: 60 }],
    ['/cpuTempDown', 'GET', { [ROOT]: 1, [DOWN]: 1, [TEMP]: 40 }],
    ['/cputempup', 'GET', { [ROOT]: 1, [TEMP]: 50 }], // paths are case-sensitive, as in the seed
  ])('%s %s answers "custom metrics" and counts once', async (path, method, want) => {
    const res = await get(path, method);
    expect(res.status).toBe(200);
    expect(res.body).toBe(BODY);
    expect(Object.fromEntries(await scrape())).toEqual(want);
  });

  it('accumulates counters per label set and moves the gauge both ways', async () => {
    for (const path of ['/', '/cpuTempUp', '/cpuTempUp', '/cpuTempUp', '/cpuTempDown', '/']) await get(path);
    expect(Object.fromEntries(await scrape())).toEqual({ [ROOT]: 6, [UP]: 3, [DOWN]: 1, [TEMP]: 70 });
  });

  it('lets the gauge go below zero', async () => {
    for (let i = 0; i < 7; i++) await get('/cpuTempDown');
    expect((await scrape()).get(TEMP)).toBe(-20);
  });

  it('does not count scrapes of /metrics', async () => {
    for (let i = 0; i < 5; i++) await scrape();
    const samples = await scrape();
    expect([...samples.entries()].filter(([k]) => k.startsWith('total_req_num'))).toEqual([[ROOT, 0]]);
    await get('/');
    for (let i = 0; i < 3; i++) await scrape();
    expect((await scrape()).get(ROOT)).toBe(1);
  });

  it('keeps separate state per app instance', async () => {
    await get('/cpuTempUp');
    const other = createSampleApp();
    const text = await other.registry.metrics();
    expect(Object.fromEntries(parseExposition(text))).toEqual({ [ROOT]: 0, [TEMP]: 50 });
  });
});

describe('parseListenAddress', () => {
  it.each<[string, { host: string; port: number }]>([
    ['127.0.0.1:3000', { host: '127.0.0.1', port: 3000 }],
    ['127.1.0.17:3000', { host: '127.1.0.17', port: 3000 }],
    ['127.255.255.254:65535', { host: '127.255.255.254', port: 65535 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
  ])('accepts %s', (value, want) => {
    expect(parseListenAddress(value)).toEqual(want);
  });

  it.each<[string, RegExp]>([
    ['0.0.0.0:3000', /only binds IPv4 loopback/],
    ['10.244.0.5:3000', /only binds IPv4 loopback/],
    ['128.0.0.1:3000', /only binds IPv4 loopback/],
    ['localhost:3000', /only binds IPv4 loopback/],
    ['[::1]:3000', /only binds IPv4 loopback/],
    ['127.0.0.1', /expected HOST:PORT/],
    [':3000', /expected HOST:PORT/],
    ['127.0.0.1:', /port must be/],
    ['127.0.0.1:65536', /port must be/],
    ['127.0.0.1:-1', /port must be/],
    ['127.0.0.1:http', /port must be/],
  ])('refuses %s', (value, err) => {
    expect(() => parseListenAddress(value)).toThrow(err);
  });

  it.each<[string, boolean]>([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['127.0.0.256', false],
    ['127', false],
    ['1.2.3.4', false],
    ['::1', false],
  ])('isLoopbackIPv4(%s) = %s', (ip, want) => {
    expect(isLoopbackIPv4(ip)).toBe(want);
  });
});
