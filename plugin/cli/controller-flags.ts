// The HPA controller's flags that a client cannot read (kube-controller-manager's
// --horizontal-pod-autoscaler-*), as `explain hpa` takes them, laid over the defaults.
import { parseDuration } from '../../shared/duration.ts';
import { CliError } from '../errors.ts';
import type { ControllerSettings } from '../hpa/snapshot.ts';

/** The controller flags a client cannot read, as the user gave them (undefined: not given). */
export interface ControllerFlags {
  tolerance?: number | undefined;
  cpuInitializationPeriod?: string | undefined;
  initialReadinessDelay?: string | undefined;
  downscaleStabilization?: string | undefined;
  syncPeriod?: string | undefined;
}

function seconds(flag: string, text: string): number {
  let ms = Number.NaN;
  try {
    ms = parseDuration(text);
  } catch {
    // reported below
  }
  if (!(ms >= 0)) throw new CliError(`invalid --${flag} "${text}": use a duration such as 30s or 5m`);
  return ms / 1000;
}

/** `base` with the flags the user gave laid over it. */
export function controllerSettings(base: ControllerSettings, flags: ControllerFlags): ControllerSettings {
  const s = { ...base };
  if (flags.tolerance !== undefined) {
    if (!(flags.tolerance >= 0 && flags.tolerance < 1))
      throw new CliError(
        `invalid --tolerance ${flags.tolerance}: use a fraction such as 0.1 (from 0 to below 1)`,
      );
    s.tolerance = flags.tolerance;
  }
  if (flags.cpuInitializationPeriod !== undefined)
    s.cpuInitializationPeriodSeconds = seconds('cpu-initialization-period', flags.cpuInitializationPeriod);
  if (flags.initialReadinessDelay !== undefined)
    s.initialReadinessDelaySeconds = seconds('initial-readiness-delay', flags.initialReadinessDelay);
  if (flags.downscaleStabilization !== undefined)
    s.downscaleStabilizationSeconds = seconds('downscale-stabilization', flags.downscaleStabilization);
  if (flags.syncPeriod !== undefined) s.syncPeriodSeconds = seconds('sync-period', flags.syncPeriod);
  return s;
}
