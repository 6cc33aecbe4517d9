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
      metricResolutionMs: undefined,
      historyMaxRangeMs: 7 * 86_400_000,
    });
  });

  it('reads the history bounds', () => {
    const got = completeFlags(flags('--history-max-range', '24h', '--history-max-points', '500'));
    expect(got.historyMaxRangeMs).toBe(86_400_000);
    expect(flags('--history-max-points', '500').historyMaxPoints).toBe(500);
    expect(flags().historyMaxPoints).toBe(11_000);
  });

  it.each([
    [['--metrics-relist-interval', '10m', '--metrics-max-age', '5m'], /--metrics-max-age must be at least/],
    [['--tls-cert-file', 'tls.crt'], /--tls-cert-file and --tls-private-key-file go together/],
    [['--tls-private-key-file', 'tls.key'], /go together/],
    [['--history-max-points', '0'], /--history-max-points must be a whole number of at least 1/],
    [['--history-max-points', '1.5'], /--history-max-points must be a whole number/],
    [['--history-max-range', '0s'], /--history-max-range must be longer than 0s/],
    [['--history-max-range', 'week'], /invalid duration "week"/],
  ])('refuses %j', (args, error) => {
    expect(() => completeFlags(flags(...args))).toThrow(error);
  });
});
