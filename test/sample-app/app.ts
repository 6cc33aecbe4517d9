// The demo application the end-to-end tests scale on: a TypeScript port of the Go seed app
// (net/http + client_golang). It exposes a request counter and a CPU temperature gauge that two
// routes move up and down, so a test can drive custom metrics from outside.
import { isIPv4 } from 'node:net';
import express, { type Express } from 'express';
import { Counter, Gauge, Registry } from 'prom-client';

export interface SampleApp {
  app: Express;
  registry: Registry;
}

export const INITIAL_CPU_TEMPERATURE = 50;
export const CPU_TEMPERATURE_STEP = 10;
export const BODY = 'custom metrics';

export function createSampleApp(): SampleApp {
  const registry = new Registry();
  const requests = new Counter({
    name: 'total_req_num',
    help: 'Number of total http requests.',
    labelNames: ['status', 'api'] as const,
    registers: [registry],
  });
  const cpuTemperature = new Gauge({
    name: 'cpu_temperature_celsius',
    help: 'Current temperature of the CPU.',
    registers: [registry],
  });
  cpuTemperature.set(INITIAL_CPU_TEMPERATURE);
  // Exported at 0 from the start, so a pod nobody has called yet still has a qps (of 0), not none.
  requests.inc({ status: '200', api: '/' }, 0);

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  // Deliberate deviation from the seed, which counted scrapes as requests: with a 2 s scrape interval
  // every pod would show 0.5 req/s of baseline load, and request-rate autoscaling tests would have to
  // subtract it. Scrapes are not counted here.
  app.get('/metrics', async (_req, res, next) => {
    try {
      const text = await registry.metrics();
      res.set('content-type', registry.contentType).send(text);
    } catch (e) {
      next(e);
    }
  });

  // Everything else, whatever the method (like the seed's http.HandleFunc), is one request to "/".
  app.use((req, res) => {
    requests.inc({ status: '200', api: '/' });
    if (req.path === '/cpuTempUp') {
      cpuTemperature.inc(CPU_TEMPERATURE_STEP);
      requests.inc({ status: '200', api: 'cpuTempUp' });
    } else if (req.path === '/cpuTempDown') {
      cpuTemperature.dec(CPU_TEMPERATURE_STEP);
      requests.inc({ status: '200', api: 'cpuTempDown' });
    }
    res.type('text/plain').send(BODY);
  });

  return { app, registry };
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** True for a literal IPv4 address inside 127.0.0.0/8. */
export function isLoopbackIPv4(host: string): boolean {
  return isIPv4(host) && host.startsWith('127.');
}

/**
 * Parses `HOST:PORT` for --listen. HOST must be a literal IPv4 address in 127.0.0.0/8 (names such as
 * "localhost" are refused too: they may resolve elsewhere); PORT is 0-65535 (0 picks a free port).
 */
export function parseListenAddress(value: string): ListenAddress {
  const colon = value.lastIndexOf(':');
  if (colon <= 0) throw new Error(`--listen ${JSON.stringify(value)}: expected HOST:PORT`);
  const host = value.slice(0, colon);
  const portText = value.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new Error(`--listen ${JSON.stringify(value)}: port must be a number from 0 to 65535`);
  }
  if (!isLoopbackIPv4(host)) {
    throw new Error(
      `--listen ${JSON.stringify(value)}: refusing to bind ${host}: this test app only binds IPv4 loopback (127.0.0.0/8)`,
    );
  }
  return { host, port: Number(portText) };
}
