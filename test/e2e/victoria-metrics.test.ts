// cmetrics over VictoriaMetrics single-node (Debian's package) instead of Prometheus, scraping the
// same targets with the stack's scrape configuration: the conformance suite of store-conformance.ts.
// Its rate() does not extrapolate, so CPU agrees within 5%; docs/backends/victoria-metrics.md lists
// what differs.
import { inject } from 'vitest';
import { startVictoriaMetrics } from '../harness/victoria-metrics.ts';
import { storeConformance } from './store-conformance.ts';

storeConformance('VictoriaMetrics', async () => startVictoriaMetrics({ workDir: inject('workDir') }), {
  cpuTolerance: 0.05,
});
