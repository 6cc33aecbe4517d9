import { describe, expect, it } from 'vitest';
import { ConfigError, parseAdapterConfig } from '../../../proxy/rules/config.ts';
import { compileUpstream, routeFor } from '../../../proxy/rules/upstreams.ts';

const upstreams = (yaml: string) => parseAdapterConfig(yaml, 'test.yaml').upstreams.map(compileUpstream);

describe('which upstream serves a metric', () => {
  const routes = upstreams(`upstreams:
- name: keda
  url: https://keda
  metrics: ['^s[0-9]+-', '^(?P<scaler>cron)-']
- name: adapter
  url: https://adapter
  groups: [custom.metrics.k8s.io, external.metrics.k8s.io]
`);

  it.each([
    ['external.metrics.k8s.io', 's0-prometheus', 'keda'],
    ['external.metrics.k8s.io', 's12-rabbitmq-queue', 'keda'],
    ['external.metrics.k8s.io', 'cron-nightly', 'keda'],
    // Unanchored at the end, anchored where the pattern says so, as RE2's MatchString.
    ['external.metrics.k8s.io', 'xs0-prometheus', 'adapter'],
    ['external.metrics.k8s.io', 'queue_depth', 'adapter'],
    ['custom.metrics.k8s.io', 's0-prometheus', 'adapter'],
    ['metrics.k8s.io', 'pods', undefined],
  ])('%s %s: %s', (group, metric, name) => {
    expect(routeFor(routes, group, metric)?.upstream.name).toBe(name);
  });

  it('an upstream without metrics patterns takes every name of its groups', () => {
    const [only] = upstreams('upstreams:\n- {name: keda, url: "https://keda"}\n');
    expect(only?.serves('external.metrics.k8s.io', 'anything')).toBe(true);
    expect(only?.serves('custom.metrics.k8s.io', 'anything')).toBe(false);
  });

  it('a pattern that does not compile is a configuration error with its place', () => {
    expect(() => upstreams("upstreams:\n- name: keda\n  url: https://keda\n  metrics: ['s(']\n")).toThrow(
      new ConfigError(
        'upstreams[0] (line 2): metrics "s(" is not a valid regular expression: Invalid regular expression: /s(/: Unterminated group',
      ),
    );
  });
});
