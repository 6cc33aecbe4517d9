// The HPA controller's memory of one HPA between passes, kept exactly as
// kubernetes/kubernetes pkg/controller/podautoscaler/horizontal.go keeps it: the unstabilized
// recommendations and, with spec.behavior, the scale events the rate limits count. The replay
// (replay.ts) carries it from pass to pass; decideWithMemory reads it.

import type { Recommendation, ScaleChange } from './normalize.ts';
import type { Behavior } from './objects.ts';

/** HorizontalController.recommendations, scaleUpEvents and scaleDownEvents for one HPA. */
export class ControllerMemory {
  /** Undefined until the first pass (recordInitial). */
  recommendations: Recommendation[] | undefined;
  readonly scaleUpEvents: StoredScaleEvent[];
  readonly scaleDownEvents: StoredScaleEvent[];

  constructor(scaleUpEvents: StoredScaleEvent[] = [], scaleDownEvents: StoredScaleEvent[] = []) {
    this.scaleUpEvents = scaleUpEvents;
    this.scaleDownEvents = scaleDownEvents;
  }

  /** recordInitialRecommendation: a new controller remembers the current count first. */
  recordInitial(current: number, now: number): void {
    this.recommendations ??= [{ replicas: current, at: now }];
  }

  /**
   * stabilizeRecommendation (no behavior: older than the flag's window) and
   * stabilizeRecommendationWithBehaviors (older than both windows): the prenormalized recommendation
   * replaces the last obsolete entry, or is appended.
   */
  storeRecommendation(
    behavior: Behavior | undefined,
    downscaleWindowSeconds: number,
    replicas: number,
    now: number,
  ): void {
    const list = this.recommendations ?? [];
    const obsolete = behavior
      ? (r: Recommendation) =>
          r.at < now - behavior.scaleUp.stabilizationWindowSeconds * 1000 &&
          r.at < now - behavior.scaleDown.stabilizationWindowSeconds * 1000
      : (r: Recommendation) => r.at < now - downscaleWindowSeconds * 1000;
    const index = list.findLastIndex(obsolete);
    const entry = { replicas, at: now };
    if (index >= 0) list[index] = entry;
    else list.push(entry);
    this.recommendations = list;
  }

  /**
   * storeScaleEvent: only with spec.behavior; markScaleEventsOutdated flags the events older than the
   * direction's longest policy period (getLongestPolicyPeriod), and the last flagged one is replaced.
   * Flagged events still count in getReplicasChangePerPeriod until they are replaced.
   */
  storeScaleEvent(behavior: Behavior | undefined, previous: number, next: number, now: number): void {
    if (!behavior) return;
    const up = next > previous;
    const rules = up ? behavior.scaleUp : behavior.scaleDown;
    const events = up ? this.scaleUpEvents : this.scaleDownEvents;
    const cutoff = now - Math.max(0, ...rules.policies.map((p) => p.periodSeconds)) * 1000;
    for (const e of events) if (e.at < cutoff) e.outdated = true;
    const index = events.findLastIndex((e) => e.outdated);
    const entry = { change: Math.abs(next - previous), at: now, outdated: false };
    if (index >= 0) events[index] = entry;
    else events.push(entry);
  }
}

/** A stored scale event (horizontal.go timestampedScaleEvent), outdated ones kept until replaced. */
interface StoredScaleEvent extends ScaleChange {
  outdated: boolean;
}
