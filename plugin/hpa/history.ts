// What the snapshot tells about the controller's memory: its recent rescales, read back from
// SuccessfulRescale events and status.lastScaleTime. Events have second resolution, are aggregated
// (count, first/last time) and expire, so the answers are ranges.

import type { Hpa, RescaleEvent } from './objects.ts';

/** An inclusive range of replica counts. */
export interface Range {
  min: number;
  max: number;
}

/** Rescales made on metrics ("<metric> above target", "All metrics below target"). */
function isMetricScaleUp(e: RescaleEvent): boolean {
  return e.reason.endsWith(' above target');
}

function isScaleUp(e: RescaleEvent): boolean {
  return isMetricScaleUp(e) || e.reason === 'Current number of replicas below Spec.MinReplicas';
}

function isMetricScaleDown(e: RescaleEvent): boolean {
  return e.reason === 'All metrics below target';
}

const SECOND = 1000;

interface Occurrence {
  /** Second-resolution time: the rescale happened in [at, at + 1 s). */
  at: number;
  newSize: number;
  scaleUp: boolean;
  /** More rescales of this event happened at unknown times between `at` and this time. */
  unknownUntil?: number;
}

function occurrences(events: readonly RescaleEvent[]): Occurrence[] {
  const all: Occurrence[] = [];
  for (const e of events) {
    const base = { newSize: e.newSize, scaleUp: isScaleUp(e) };
    all.push({ ...base, at: e.last });
    if (e.count >= 2 && e.first !== e.last) {
      const first: Occurrence = { ...base, at: e.first };
      if (e.count > 2) first.unknownUntil = e.last;
      all.push(first);
    }
  }
  return all.sort((a, b) => a.at - b.at);
}

/**
 * The replica count the controller starts a policy period from (current − added + removed within
 * it): the size right after the last HPA rescale at or before the cutoff, shifted by any change made
 * since the last rescale by someone else. A range when the events cannot tell.
 */
export function periodStartRange(
  periodSeconds: number,
  now: number,
  current: number,
  lastScaleTime: number | undefined,
  events: readonly RescaleEvent[] | undefined,
  widest: Range,
): Range {
  const cutoff = now - periodSeconds * SECOND;
  // No rescale since before the period began: nothing to subtract.
  if (lastScaleTime === undefined || lastScaleTime + SECOND <= cutoff) return { min: current, max: current };
  if (!events || events.length === 0) return widest;
  const seen = occurrences(events);
  const latest = seen[seen.length - 1] as Occurrence;
  const drift = current - latest.newSize;
  const sizes = new Set<number>();
  let before: Occurrence | undefined;
  for (const o of seen) {
    if (o.at + SECOND <= cutoff) before = o;
    else if (o.at <= cutoff) sizes.add(o.newSize); // within the second of the cutoff: either side
  }
  if (before) {
    sizes.add(before.newSize);
    // Rescales of an aggregated event at unknown times may fall between `before` and the cutoff.
    for (const o of seen)
      if (o.unknownUntil !== undefined && o.at <= cutoff && o.unknownUntil > before.at) sizes.add(o.newSize);
  } else {
    // The size before the first rescale in the period is not in the events.
    const first = seen[0] as Occurrence;
    if (first.scaleUp) {
      sizes.add(widest.min);
      sizes.add(Math.max(widest.min, first.newSize - 1));
    } else {
      sizes.add(first.newSize + 1);
      sizes.add(Math.max(widest.max, first.newSize + 1));
    }
  }
  return { min: Math.min(...sizes) + drift, max: Math.max(...sizes) + drift };
}

/**
 * A metric-driven rescale to the current size within the window: the recommendation stored with it
 * bounds stabilization (with behavior, a scale-up to N stored a recommendation ≥ N; a scale-down, ≤ N).
 */
export function rescaleToCurrentWithin(
  events: readonly RescaleEvent[] | undefined,
  current: number,
  now: number,
  windowSeconds: number,
  direction: 'up' | 'down',
): RescaleEvent | undefined {
  const cutoff = now - windowSeconds * SECOND;
  return events?.find(
    (e) =>
      e.newSize === current &&
      e.last > cutoff &&
      (direction === 'up' ? isMetricScaleUp(e) : isMetricScaleDown(e)),
  );
}

/**
 * The stabilization window's unknown recommendations (horizontal.go stabilizeRecommendation[WithBehaviors]),
 * as the range they can move the desired count in, and why.
 */
export function stabilizationRange(
  hpa: Hpa,
  current: number,
  desired: number,
  now: number,
  windowSecondsWithout: number,
  events: RescaleEvent[] | undefined,
): { range: Range; because: string } {
  const exact = (replicas: number, because: string) => ({ range: { min: replicas, max: replicas }, because });
  if (!hpa.behavior) {
    if (windowSecondsWithout === 0) return exact(desired, 'the downscale stabilization window is 0');
    const limitedBefore = hpa.status.conditions.some(
      (c) => c.type === 'ScalingLimited' && c.status === 'True' && c.reason === 'ScaleUpLimit',
    );
    const highest = limitedBefore ? Math.max(hpa.maxReplicas, current) : current;
    if (desired >= highest) {
      return exact(
        desired,
        'recommendations of the window are at most the current count (no limited scale-up in the status)',
      );
    }
    return {
      range: { min: desired, max: highest },
      because: `the highest recommendation of the last ${windowSecondsWithout}s is in the controller's memory only${limitedBefore ? ' (the last pass was held by the scale-up limit)' : ''}`,
    };
  }
  if (desired === current) return exact(desired, 'the proposal equals the current count');
  const up = desired > current;
  const windowSeconds = up
    ? hpa.behavior.scaleUp.stabilizationWindowSeconds
    : hpa.behavior.scaleDown.stabilizationWindowSeconds;
  const name = up ? 'scaleUp' : 'scaleDown';
  if (windowSeconds === 0) return exact(desired, `behavior.${name}.stabilizationWindowSeconds is 0`);
  const evidence = rescaleToCurrentWithin(events, current, now, windowSeconds, up ? 'down' : 'up');
  if (evidence) {
    return exact(
      current,
      `the ${up ? 'scale-down' : 'scale-up'} to ${current} at ${new Date(evidence.last).toISOString()} stored a recommendation that holds the count for behavior.${name}.stabilizationWindowSeconds (${windowSeconds}s)`,
    );
  }
  return {
    range: { min: Math.min(desired, current), max: Math.max(desired, current) },
    because: `the ${up ? 'lowest' : 'highest'} recommendation of the last ${windowSeconds}s (behavior.${name}.stabilizationWindowSeconds) is in the controller's memory only`,
  };
}
