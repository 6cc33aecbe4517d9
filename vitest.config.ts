import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * End-to-end files share one cluster and each leaves it as it found it, so they may run in any order
 * (alphabetical, to be repeatable), except these, last and in this order: faults restarts
 * kube-apiserver, loopback checks the sockets every other file opened.
 */
const LAST = ['test/e2e/faults.test.ts', 'test/e2e/loopback.test.ts'];

class LastOnesLast extends BaseSequencer {
  override async sort(files: TestSpecification[]) {
    const rank = (f: TestSpecification) => LAST.findIndex((last) => f.moduleId.endsWith(last));
    return [...files].sort((a, b) => rank(a) - rank(b) || a.moduleId.localeCompare(b.moduleId));
  }
}

export default defineConfig({
  test: {
    sequence: { sequencer: LastOnesLast },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', '**/*.int.test.ts', 'node_modules/**'],
        },
      },
      {
        test: {
          // Real servers (Prometheus over backfilled data), no cluster.
          name: 'integration',
          include: ['test/**/*.int.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          // One control plane for the whole suite: files run one after another against it.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
