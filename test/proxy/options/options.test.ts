import { describe, expect, it } from 'vitest';
import { completeFlags, parseFlags } from '../../../proxy/options/options.ts';

describe('parseFlags', () => {
  it("takes prometheus-adapter's flag names, with their defaults", () => {
    const flags = parseFlags(['--config', 'c.yaml', '--prometheus-url', 'http://127.0.0.1:9090']);
    expect(flags).toMatchObject({
      config: 'c.yaml',
      prometheusUrl: 'http://127.0.0.1:9090',
      metricsRelistInterval: '10m',
      metricsMaxAge: undefined,
      securePort: 6443,
      prometheusTimeout: '10s',
      shutdownDelayDuration: '0s',
      shutdownTimeout: '20s',
      logLevel: 'info',
    });
  });
});

describe('completeFlags', () => {
  const flags = (...args: string[]) => parseFlags(['--config', 'c.yaml', ...args]);

  it('turns the durations into milliseconds; max age defaults to the relist interval', () => {
    expect(
      completeFlags(flags('--metrics-relist-interval', '1m', '--shutdown-delay-duration', '5s')),
    ).toEqual({
      relistMs: 60_000,
      maxAgeMs: 60_000,
      prometheusTimeoutMs: 10_000,
      shutdownDelayMs: 5_000,
      shutdownTimeoutMs: 20_000,
    });
  });

  it.each([
    [['--metrics-relist-interval', '10m', '--metrics-max-age', '5m'], /--metrics-max-age must be at least/],
    [['--tls-cert-file', 'tls.crt'], /--tls-cert-file and --tls-private-key-file go together/],
    [['--tls-private-key-file', 'tls.key'], /go together/],
  ])('refuses %j', (args, error) => {
    expect(() => completeFlags(flags(...args))).toThrow(error);
  });
});
