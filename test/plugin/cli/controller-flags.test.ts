import { describe, expect, it } from 'vitest';
import { controllerSettings } from '../../../plugin/cli/controller-flags.ts';
import { CliError } from '../../../plugin/errors.ts';
import { DEFAULT_CONTROLLER_SETTINGS } from '../../../plugin/hpa/snapshot.ts';

describe('controllerSettings', () => {
  it.each<[string, Parameters<typeof controllerSettings>[1], Partial<typeof DEFAULT_CONTROLLER_SETTINGS>]>([
    ['no flags: the defaults', {}, DEFAULT_CONTROLLER_SETTINGS],
    ['tolerance', { tolerance: 0.05 }, { tolerance: 0.05 }],
    [
      'durations in seconds',
      {
        cpuInitializationPeriod: '2m',
        initialReadinessDelay: '10s',
        downscaleStabilization: '1m30s',
        syncPeriod: '2s',
      },
      {
        cpuInitializationPeriodSeconds: 120,
        initialReadinessDelaySeconds: 10,
        downscaleStabilizationSeconds: 90,
        syncPeriodSeconds: 2,
      },
    ],
  ])('%s', (_what, flags, want) => {
    expect(controllerSettings(DEFAULT_CONTROLLER_SETTINGS, flags)).toEqual({
      ...DEFAULT_CONTROLLER_SETTINGS,
      ...want,
    });
  });

  it.each<[Parameters<typeof controllerSettings>[1], string]>([
    [{ tolerance: 1.5 }, 'invalid --tolerance 1.5: use a fraction such as 0.1 (from 0 to below 1)'],
    [
      { downscaleStabilization: 'soon' },
      'invalid --downscale-stabilization "soon": use a duration such as 30s or 5m',
    ],
  ])('refuses %j', (flags, message) => {
    expect(() => controllerSettings(DEFAULT_CONTROLLER_SETTINGS, flags)).toThrow(new CliError(message));
  });
});
