// The adapter configuration both servers read, built from the fixtures rather than copied: seed 002's
// rules, the harness's Object rule (services) and namespaced external rule, and its resourceRules.
// Plain prometheus-adapter syntax: the adapter loads it with yaml.UnmarshalStrict.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { FIXTURES } from '../harness/stack.ts';

interface Rule {
  name?: { as?: string };
}
interface AdapterConfig {
  rules?: Rule[];
  externalRules?: Rule[];
  resourceRules?: unknown;
}

const read = (file: string) => parse(readFileSync(join(FIXTURES, file), 'utf8')) as AdapterConfig;

function named(rules: Rule[] | undefined, as: string): Rule {
  const rule = rules?.find((r) => r.name?.as === as);
  if (!rule) throw new Error(`harness-adapter.yaml has no rule named ${as}`);
  return rule;
}

export function writeBenchConfig(path: string): string {
  const seed = read('seed-002-adapter.yaml');
  const harness = read('harness-adapter.yaml');
  const config: AdapterConfig = {
    rules: [...(seed.rules ?? []), named(harness.rules, 'http_requests')],
    externalRules: [named(harness.externalRules, 'external_requests_per_second')],
    resourceRules: harness.resourceRules,
  };
  writeFileSync(path, stringify(config));
  return path;
}

/** Metric names per relist series: bench_relist_m<k>, each with namespace and pod labels. */
export const RELIST_PREFIX = 'bench_relist_';

export function writeRelistConfig(path: string): string {
  const config = {
    rules: [
      {
        seriesQuery: `{__name__=~"${RELIST_PREFIX}.*",namespace!="",pod!=""}`,
        resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
        name: { matches: `^${RELIST_PREFIX}(.*)$` },
        metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)',
      },
    ],
  };
  writeFileSync(path, stringify(config));
  return path;
}
