// What the snapshot tells about the controller's memory: its recent rescales, read back from
// SuccessfulRescale events and status.lastScaleTime. Events have second resolution, are aggregated
// (count, first/last time) and expire, so the answers are ranges.

import type { RescaleEvent } from './objects.ts';

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
