import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../plugin/main.ts';
import {
  EXTERNAL_PATH,
  externalMetricList,
  ok,
  PODS_PATH,
  podsMetricList,
  SELECTOR,
  snapshot,
} from './hpa/builder.ts';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    { out: (t) => void out.push(t), err: (t) => void err.push(t), tty: false },
    new AbortController().signal,
  );
  return { code, out: out.join(''), err: err.join('') };
}

describe('kubectl cmetrics', () => {
  it('--help: usage, commands and examples on stdout, exit 0', async () => {
    const { code, out, err } = await run('--help');
    expect([code, err]).toEqual([0, '']);
    expect(out).toMatch(/^kubectl cmetrics <command>\n/);
    expect(out).toContain('kubectl cmetrics top');
    expect(out).toContain('Examples:');
    expect(out).not.toContain('__complete');
  });

  it.each([
    ['top'],
    ['top', 'pods'],
    ['top', 'nodes'],
    ['get'],
    ['get', 'custom'],
    ['get', 'external'],
    ['get', 'resource'],
    ['list'],
    ['explain'],
    ['explain', 'hpa'],
    ['doctor'],
    ['completion'],
  ])('%s -h has examples', async (...words) => {
    const { code, out } = await run(...words, '-h');
    expect(code).toBe(0);
    expect(out).toContain(`kubectl cmetrics ${words.join(' ')}`);
    expect(out).toContain('Examples:');
  });

  it.each<[string, string[], string]>([
    [
      'an unknown command',
      ['topp'],
      'error: unknown command "topp" for "kubectl cmetrics" (did you mean top?); see: kubectl cmetrics --help\n',
    ],
    [
      'an unknown subcommand',
      ['top', 'pdos'],
      'error: unknown command "pdos" for "kubectl cmetrics top" (did you mean pods?); see: kubectl cmetrics top --help\n',
    ],
    [
      'no subcommand',
      ['top'],
      'error: name a command: pods, nodes, deployments, statefulsets, daemonsets, jobs; see: kubectl cmetrics top --help\n',
    ],
    [
      'a value outside the choices',
      ['top', 'pods', '-o', 'xml'],
      'error: Invalid values: Argument: output, Given: "xml", Choices: "json", "yaml", "wide"; see: kubectl cmetrics top pods --help\n',
    ],
    [
      'an unknown flag',
      ['top', 'nodes', '--containers'],
      'error: Unknown argument: containers; see: kubectl cmetrics top nodes --help\n',
    ],
    [
      'a missing argument',
      ['get', 'custom', 'pods/*'],
      'error: Not enough non-option arguments: got 1, need at least 2; see: kubectl cmetrics get custom --help\n',
    ],
    [
      'a kubeconfig that is not there',
      ['top', 'pods', '--kubeconfig', '/nonexistent/kubeconfig'],
      "error: cannot load the kubeconfig /nonexistent/kubeconfig: ENOENT: no such file or directory, open '/nonexistent/kubeconfig'; pass --kubeconfig FILE or set KUBECONFIG\n",
    ],
  ])('%s: one line on stderr, exit 1', async (_name, argv, line) => {
    expect(await run(...argv)).toEqual({ code: 1, out: '', err: line });
  });

  it('--no-headers is a flag of its own, not the negation of "headers"', async () => {
    const { err } = await run('top', 'nodes', '--no-headers', '--kubeconfig', '/nonexistent/kubeconfig');
    expect(err).toMatch(/^error: cannot load the kubeconfig/);
  });

  it('completion kubectl: the helper kubectl runs from PATH', async () => {
    const { code, out } = await run('completion', 'kubectl');
    expect(code).toBe(0);
    expect(out).toMatch(/^#!\/bin\/sh\n/);
    expect(out).toContain('exec kubectl-cmetrics __complete "$@"');
  });

  it.each(['bash', 'zsh', 'fish'])('completion %s asks __complete', async (shell) => {
    expect((await run('completion', shell)).out).toContain('kubectl-cmetrics __complete');
  });

  it('__complete takes the words as typed, flags included', async () => {
    expect(await run('__complete', 'top', 'pods', '--sort-by', '')).toEqual({
      code: 0,
      out: 'cpu\nmemory\n:4\n',
      err: '',
    });
    expect(await run('__complete', 'top', 'pods', '--metric', 'qps', '--sort-by', '')).toEqual({
      code: 0,
      out: 'cpu\nmemory\nqps\n:4\n',
      err: '',
    });
    expect(
      await run('__complete', 'top', 'deploy', '--metric', 'qps', '--metric', 'lag:avg', '--sort-by', ''),
    ).toEqual({ code: 0, out: 'name\npods\ncpu\nmemory\nqps\nlag\n:4\n', err: '' });
  });

  describe('explain hpa --from-snapshot of a malformed snapshot', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cmetrics-main-'));
    // biome-ignore lint/suspicious/noExplicitAny: each case reaches one field deep in a parsed JSON file.
    type Doc = Record<string, any>;
    /** A good snapshot as a file holds it: a Pods and an External metric over two pods. */
    const good = (): Doc =>
      JSON.parse(
        JSON.stringify(
          snapshot({
            hpa: {
              spec: {
                scaleTargetRef: { kind: 'ReplicationController', name: 'test-rc', apiVersion: 'v1' },
                maxReplicas: 10,
                metrics: [
                  {
                    type: 'Pods',
                    pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '500m' } },
                  },
                  {
                    type: 'External',
                    external: { metric: { name: 'queue' }, target: { type: 'Value', value: '10' } },
                  },
                ],
              },
            },
            spec: 2,
            selector: SELECTOR,
            pods: [
              { name: 'test-pod-0', containers: [{ name: 'app', requests: { cpu: '100m' } }] },
              { name: 'test-pod-1', containers: [{ name: 'app', requests: { cpu: '100m' } }] },
            ],
            metrics: [ok(PODS_PATH, podsMetricList([600, 600])), ok(EXTERNAL_PATH, externalMetricList([5]))],
          }),
        ),
      );
    const explain = (name: string, text: string) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return run('explain', 'hpa', '--from-snapshot', file);
    };
    const withDefect = (edit: (s: Doc) => void) => {
      const s = good();
      edit(s);
      return JSON.stringify(s, null, 2);
    };
    const FIX = '; fix the snapshot or take a new one with --save-snapshot';
    const Q = 'a quantity such as "250m", "1.5" or "2Gi"';

    it('explains the good one', async () => {
      const { code, out, err } = await explain('good.json', JSON.stringify(good()));
      expect([code, err]).toEqual([0, '']);
      expect(out).toContain('pods metric qps');
    });

    it.each<[string, string, string]>([
      ['not JSON', '{"apiVersion": "cmetrics.io/v1alpha1",', ' is not JSON ('],
      [
        'an array instead of an object',
        '[]',
        ': expected an HPA snapshot (apiVersion cmetrics.io/v1alpha1, kind HPASnapshot), got an array',
      ],
      [
        'another document',
        JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: {} }),
        ': not an HPA snapshot (want apiVersion cmetrics.io/v1alpha1, kind HPASnapshot)',
      ],
      [
        'an unknown field',
        withDefect((s) => {
          s.metric = s.metrics;
        }),
        ': metric: unknown field (did you mean metrics?)',
      ],
      [
        'a takenAt that is not a time',
        withDefect((s) => {
          s.takenAt = 'now';
        }),
        ': takenAt: expected an RFC 3339 time, got "now"',
      ],
      [
        'missing controller',
        withDefect((s) => {
          delete s.controller;
        }),
        ': controller: expected an object (the controller settings), but it is missing',
      ],
      [
        'a controller setting that is a string',
        withDefect((s) => {
          s.controller.tolerance = '0.1';
        }),
        ': controller.tolerance: expected a number, got "0.1"',
      ],
      [
        'null hpa',
        withDefect((s) => {
          s.hpa = null;
        }),
        ': hpa: expected a Fetched object ({path, body} or {path, error}), got null',
      ],
      [
        'metrics not an array',
        withDefect((s) => {
          s.metrics = s.metrics[0];
        }),
        ': metrics: expected an array (one entry per hpa.spec.metrics[i]), got an object',
      ],
      [
        'a metrics entry of an unknown kind',
        withDefect((s) => {
          s.metrics[1] = 42;
        }),
        ': metrics[1]: expected a Fetched object ({path, body} or {path, error}), got 42',
      ],
      [
        'error.code not an integer',
        withDefect((s) => {
          s.metrics[1] = { path: EXTERNAL_PATH, error: { code: '503', message: 'down' } };
        }),
        ': metrics[1].error.code: expected an integer (the HTTP status, 0 when unreachable), got "503"',
      ],
      [
        'a replica count that is a string',
        withDefect((s) => {
          s.scale.body.spec.replicas = '2';
        }),
        ': scale.body.spec.replicas: expected an integer, got "2"',
      ],
      [
        'maxReplicas null',
        withDefect((s) => {
          s.hpa.body.spec.maxReplicas = null;
        }),
        ': hpa.body.spec.maxReplicas: expected an integer, but it is missing',
      ],
      [
        'an HPA of another version',
        withDefect((s) => {
          s.hpa.body.apiVersion = 'autoscaling/v1';
        }),
        ': hpa.body.apiVersion: expected "autoscaling/v2", got "autoscaling/v1"',
      ],
      [
        'a bad quantity in the HPA',
        withDefect((s) => {
          s.hpa.body.spec.metrics[0].pods.target.averageValue = '500 m';
        }),
        `: hpa.body.spec.metrics[0].pods.target.averageValue: expected ${Q}, got "500 m"`,
      ],
      [
        'a bad quantity in a pod',
        withDefect((s) => {
          s.pods.body.items[1].spec.containers[0].resources.requests.cpu = '0.1 cores';
        }),
        `: pods.body.items[1].spec.containers[0].resources.requests.cpu: expected ${Q}, got "0.1 cores"`,
      ],
      [
        'a pod list item that is not an object',
        withDefect((s) => {
          s.pods.body.items[0] = 'test-pod-0';
        }),
        ': pods.body.items[0]: expected an object, got "test-pod-0"',
      ],
      [
        'an event count that is a string',
        withDefect((s) => {
          s.events = {
            path: '/e',
            body: {
              kind: 'EventList',
              items: [
                {
                  reason: 'SuccessfulRescale',
                  message: 'New size: 2; reason: r',
                  lastTimestamp: '2026-07-01T11:00:00Z',
                  count: 'two',
                },
              ],
            },
          };
        }),
        ': events.body.items[0].count: expected an integer, got "two"',
      ],
      [
        'a diagnosis document of the wrong shape',
        withDefect((s) => {
          s.metrics[1] = { path: EXTERNAL_PATH, error: { code: 503, message: 'service unavailable' } };
          s.diagnosis = {
            apiServices: {
              path: '/apis/apiregistration.k8s.io/v1/apiservices',
              body: { items: 'v1beta1.external.metrics.k8s.io' },
            },
          };
        }),
        ': diagnosis.apiServices.body.items: expected an array, got "v1beta1.external.metrics.k8s.io"',
      ],
    ])('%s: one line naming the path, exit 1', async (name, text, expected) => {
      const file = `${name.replaceAll(' ', '-')}.json`;
      const { code, out, err } = await explain(file, text);
      expect([code, out]).toEqual([1, '']);
      expect(err).toMatch(/^error: [^\n]+\n$/);
      expect(err).toContain(`error: ${join(dir, file)}${expected}`);
      if (name !== 'not JSON') expect(err.endsWith(`${FIX}\n`)).toBe(true);
      for (const leak of ['TypeError', 'SyntaxError', '\n    at ', 'undefined', '[object Object]', 'NaN']) {
        expect(err).not.toContain(leak);
      }
    });

    // What an adapter sent, and an HPA type the API server would refuse: the controller fails that
    // metric alone (metrics/client.go cannot decode the answer; horizontal.go computeReplicasForMetric
    // records InvalidMetricSourceType), so the explanation says so, naming the path, and exits 0.
    it.each<[string, string, string, string]>([
      [
        'a bad quantity in a metric answer',
        withDefect((s) => {
          s.metrics[0].body.items[1].value = 'lots';
        }),
        'FailedGetPodsMetric',
        `metrics[0].body.items[1].value: expected ${Q}, got "lots"`,
      ],
      [
        'an unknown metric type',
        withDefect((s) => {
          s.hpa.body.spec.metrics[1].type = 'Foo';
        }),
        'InvalidMetricSourceType',
        'hpa.body.spec.metrics[1].type: unknown metric source type "Foo" (expected Resource, ContainerResource, Pods, Object or External)',
      ],
    ])('%s fails that metric as the controller does, naming the path', async (name, text, reason, line) => {
      const { code, out, err } = await explain(`${name.replaceAll(' ', '-')}.json`, text);
      expect([code, err]).toEqual([0, '']);
      expect(out).toContain(reason);
      expect(out).toContain(line);
    });
  });
});
