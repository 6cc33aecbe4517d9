// The plugin's commands, flags and examples, declared once: main.ts builds the yargs parser from it
// and completion/engine.ts answers shell completion from it (the shapes: cli/command-spec.ts). Command
// code is imported only when it runs, so `-h` and completion of static words load neither the
// Kubernetes client nor the printers.
import type { CommandSpec, CompletionSource, OptionSpec } from './cli/command-spec.ts';
import type { RunContext } from './cli/context.ts';

const SELECTOR: OptionSpec = {
  alias: 'l',
  type: 'string',
  describe:
    "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin' (e.g. -l key1=value1,key2=value2,key3 in (value3))",
};
const SORT_BY: OptionSpec = {
  type: 'string',
  complete: 'sort-columns',
  describe: "If non-empty, sort the list by this field, largest first: 'cpu', 'memory' or a --metric name",
};
const NO_HEADERS: OptionSpec = {
  type: 'boolean',
  default: false,
  describe: 'If present, print output without headers',
};
const metricOption = (resource: string, complete: CompletionSource): OptionSpec => ({
  type: 'string',
  array: true,
  nargs: 1,
  default: [],
  complete,
  describe: `Add a column with this custom metric of the same ${resource} (custom.metrics.k8s.io); repeatable`,
});
const TOP_OUTPUT: OptionSpec = {
  alias: 'o',
  choices: ['json', 'yaml', 'wide'],
  describe: 'Output format: json or yaml (the rows, in numbers), or wide (more columns)',
};
const API_OUTPUT: OptionSpec = {
  alias: 'o',
  choices: ['json', 'yaml'],
  describe: "Print the API's own object as json or yaml instead of the table",
};
const WATCH: Record<string, OptionSpec> = {
  watch: {
    alias: 'w',
    type: 'boolean',
    default: false,
    describe: 'Redraw the table every --interval until Ctrl-C',
  },
  interval: { type: 'string', default: '5s', describe: 'Time between two reads with --watch' },
};

/** The HPA controller's flags a client cannot read (cli/controller-flags.ts). */
const CONTROLLER_FLAGS: Record<string, OptionSpec> = {
  tolerance: {
    type: 'number',
    describe: "The controller's --horizontal-pod-autoscaler-tolerance (default 0.1)",
  },
  'cpu-initialization-period': {
    type: 'string',
    describe: "The controller's --horizontal-pod-autoscaler-cpu-initialization-period (default 5m)",
  },
  'initial-readiness-delay': {
    type: 'string',
    describe: "The controller's --horizontal-pod-autoscaler-initial-readiness-delay (default 30s)",
  },
  'downscale-stabilization': {
    type: 'string',
    describe: "The controller's --horizontal-pod-autoscaler-downscale-stabilization (default 5m)",
  },
  'sync-period': {
    type: 'string',
    describe: "The controller's --horizontal-pod-autoscaler-sync-period (default 15s)",
  },
};

/** Loads a command module when the command runs. */
const lazy =
  <M>(
    load: () => Promise<M>,
    run: (m: M, args: Record<string, unknown>, ctx: RunContext) => Promise<number>,
  ) =>
  async (args: Record<string, unknown>, ctx: RunContext) =>
    run(await load(), args, ctx);

const watch = () => import('./cli/watch.ts');

const topPods: CommandSpec = {
  name: 'pods',
  aliases: ['pod', 'po'],
  describe: 'Display resource (CPU/memory) usage of pods, as kubectl top pod does, and more',
  positionals: [{ name: 'name', describe: 'One pod', optional: true, complete: 'pods' }],
  options: {
    'all-namespaces': {
      alias: 'A',
      type: 'boolean',
      default: false,
      describe: 'If present, list the pods across all namespaces',
    },
    selector: SELECTOR,
    'field-selector': {
      type: 'string',
      describe: "Selector (field query) on the pods, supports '=', '==', and '!=' (e.g. spec.nodeName=n1)",
    },
    node: {
      type: 'string',
      array: true,
      nargs: 1,
      default: [],
      complete: 'nodes',
      describe: 'Only the pods on this node; repeatable',
    },
    containers: {
      type: 'boolean',
      default: false,
      describe: 'If present, print usage of containers within a pod',
    },
    'sort-by': SORT_BY,
    'no-headers': NO_HEADERS,
    sum: { type: 'boolean', default: false, describe: 'Print the sum of the resource usage' },
    metric: metricOption('pods', 'pod-metrics'),
    requests: {
      type: 'boolean',
      default: false,
      describe: "Add the usage as a percentage of the containers' requests",
    },
    limits: {
      type: 'boolean',
      default: false,
      describe: "Add the usage as a percentage of the containers' limits",
    },
    output: TOP_OUTPUT,
    ...WATCH,
  },
  examples: [
    ['$0 top pods', 'Usage of the pods in the current namespace'],
    ['$0 top pods -A --sort-by memory', 'All pods, largest memory first'],
    ['$0 top pods web-1 --containers', 'One pod, container by container'],
    [
      '$0 top pods -l app=web --metric http_requests --requests',
      'With a custom metric and usage vs requests',
    ],
    ['$0 top pods -A --node n1 --node n2 --sum', 'The pods on two nodes, and their total'],
    ['$0 top pods --metric http_requests --sort-by http_requests', 'The busiest pods first'],
    ['$0 top pods -w --interval 10s', 'Redraw every 10 seconds until Ctrl-C'],
  ],
  run: lazy(
    () => Promise.all([watch(), import('./commands/top-pods.ts')]),
    ([w, m], args, ctx) => w.present(ctx, args, (s) => m.renderTopPods(s, args as never)),
  ),
};

const topNodes: CommandSpec = {
  name: 'nodes',
  aliases: ['node', 'no'],
  describe: 'Display resource (CPU/memory) usage of nodes, as kubectl top node does, and more',
  positionals: [{ name: 'name', describe: 'One node', optional: true, complete: 'nodes' }],
  options: {
    selector: SELECTOR,
    'sort-by': SORT_BY,
    'no-headers': NO_HEADERS,
    'show-capacity': {
      type: 'boolean',
      default: false,
      describe: 'Print node resources based on Capacity instead of Allocatable (the default)',
    },
    metric: metricOption('nodes', 'node-metrics'),
    output: TOP_OUTPUT,
    ...WATCH,
  },
  examples: [
    ['$0 top nodes', 'Usage of all nodes, in % of allocatable'],
    ['$0 top nodes n1', 'One node'],
    ['$0 top nodes --show-capacity -o wide', 'In % of capacity, with the capacity shown'],
    ['$0 top nodes -o json', 'The same rows as JSON'],
  ],
  run: lazy(
    () => Promise.all([watch(), import('./commands/top-nodes.ts')]),
    ([w, m], args, ctx) => w.present(ctx, args, (s) => m.renderTopNodes(s, args as never)),
  ),
};

/** `top deployments` and its kin: one command per kind, the same flags. */
function topWorkloads(
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job',
  name: string,
  aliases: string[],
): CommandSpec {
  return {
    name,
    aliases,
    describe: `Display resource (CPU/memory) usage of ${name}: their pods', through owner references, added up`,
    positionals: [{ name: 'name', describe: `One ${kind}`, optional: true }],
    options: {
      'all-namespaces': {
        alias: 'A',
        type: 'boolean',
        default: false,
        describe: `If present, list the ${name} across all namespaces`,
      },
      selector: { ...SELECTOR, describe: `Only the ${name} with these labels (label query)` },
      'sort-by': {
        ...SORT_BY,
        complete: 'workload-sort-columns',
        describe:
          "If non-empty, sort by this column, largest first: 'name', 'pods', 'cpu', 'memory' or a --metric name",
      },
      'no-headers': NO_HEADERS,
      metric: {
        ...metricOption('pods', 'pod-metrics'),
        describe:
          'Add a column with this custom metric of the pods (custom.metrics.k8s.io), summed; NAME:avg for their average; repeatable',
      },
      requests: {
        type: 'boolean',
        default: false,
        describe: "Add the usage as a percentage of the pods' requests, added up",
      },
      limits: {
        type: 'boolean',
        default: false,
        describe: "Add the usage as a percentage of the pods' limits, added up",
      },
      output: {
        alias: 'o',
        choices: ['json', 'yaml'],
        describe: 'Output format: json or yaml (the rows, in numbers)',
      },
      ...WATCH,
    },
    examples: [
      [`$0 top ${name}`, `Usage of the ${name} in the current namespace`],
      [
        `$0 top ${aliases.at(-1)} -A --sort-by memory --requests`,
        'All namespaces, largest memory first, against requests',
      ],
      [
        `$0 top ${name} --metric http_requests --metric latency:avg`,
        'With custom metrics: a sum and an average',
      ],
    ],
    run: lazy(
      () => Promise.all([watch(), import('./commands/top-workloads.ts')]),
      ([w, m], args, ctx) => w.present(ctx, args, (s) => m.renderTopWorkloads(s, kind, args as never)),
    ),
  };
}

const getCustom: CommandSpec = {
  name: 'custom',
  describe: 'Values of a custom.metrics.k8s.io metric for one object, or for the pods matching -l',
  positionals: [
    {
      name: 'target',
      describe: 'RESOURCE/NAME (services/web, deployments.apps/api, nodes/n1, namespaces/prod) or pods/*',
      complete: 'custom-targets',
    },
    { name: 'metric', describe: 'The metric name', complete: 'custom-target-metrics' },
  ],
  options: {
    selector: { ...SELECTOR, describe: 'With RESOURCE/*: which objects (label query)' },
    'metric-selector': {
      type: 'string',
      describe: "Which series of the metric (label query on the metric's labels)",
    },
    output: API_OUTPUT,
  },
  examples: [
    ["$0 get custom 'pods/*' http_requests -l app=web", 'Every pod of the app'],
    ['$0 get custom services/web http_requests', 'One Service'],
    ['$0 get custom deployments.apps/api queue_length -o yaml', "The API's MetricValueList"],
    ['$0 get custom nodes/n1 node_load', 'A cluster-scoped object'],
  ],
  run: lazy(
    () => Promise.all([watch(), import('./commands/get.ts')]),
    ([w, m], args, ctx) => w.present(ctx, args, (s) => m.renderGetCustom(s, args as never)),
  ),
};

const getExternal: CommandSpec = {
  name: 'external',
  describe: 'Values of an external.metrics.k8s.io metric in the namespace',
  positionals: [{ name: 'metric', describe: 'The metric name', complete: 'external-metrics' }],
  options: {
    selector: { ...SELECTOR, describe: "Which series (label query on the metric's labels)" },
    output: API_OUTPUT,
  },
  examples: [
    ['$0 get external queue_depth', 'Every series of the metric in the current namespace'],
    ['$0 get external queue_depth -l queue=jobs -n prod -o json', "One series, the API's object"],
  ],
  run: lazy(
    () => Promise.all([watch(), import('./commands/get.ts')]),
    ([w, m], args, ctx) => w.present(ctx, args, (s) => m.renderGetExternal(s, args as never)),
  ),
};

const getResource: CommandSpec = {
  name: 'resource',
  describe: 'Values of metrics.k8s.io (CPU and memory) for pods, container by container, or nodes',
  positionals: [
    { name: 'kind', describe: 'pods or nodes', choices: ['pods', 'nodes'] },
    { name: 'name', describe: 'One pod or node', optional: true, complete: 'resource-names' },
  ],
  options: {
    'all-namespaces': {
      alias: 'A',
      type: 'boolean',
      default: false,
      describe: 'With pods: across all namespaces',
    },
    selector: SELECTOR,
    output: API_OUTPUT,
  },
  examples: [
    ['$0 get resource pods', 'Every container of every pod in the namespace'],
    ['$0 get resource nodes n1 -o yaml', "The API's NodeMetrics"],
  ],
  run: lazy(
    () => Promise.all([watch(), import('./commands/get.ts')]),
    ([w, m], args, ctx) => w.present(ctx, args, (s) => m.renderGetResource(s, args as never)),
  ),
};

const explainHpa: CommandSpec = {
  name: 'hpa',
  aliases: ['hpas', 'horizontalpodautoscaler'],
  describe:
    "Recompute a HorizontalPodAutoscaler's decision from the metric values the controller reads, and show every step; without a name, one line per HPA, the broken ones first",
  positionals: [
    {
      name: 'name',
      describe: 'The HPA (none: list every HPA of the namespace, or of all with -A)',
      optional: true,
      complete: 'hpas',
    },
  ],
  options: {
    'all-namespaces': {
      alias: 'A',
      type: 'boolean',
      default: false,
      describe: 'Without a name: list the HPAs of every namespace',
    },
    selector: { ...SELECTOR, describe: 'Without a name: only the HPAs with these labels (label query)' },
    output: {
      alias: 'o',
      choices: ['json', 'yaml'],
      describe:
        "Print the decision (each HPA's, in the list) as json or yaml (docs/plugin.md) instead of the explanation",
    },
    'save-snapshot': {
      type: 'string',
      complete: 'file',
      describe: 'Also write everything read from the cluster to FILE (docs/hpa-snapshot.md)',
    },
    'from-snapshot': {
      type: 'string',
      complete: 'file',
      describe: 'Explain a snapshot --save-snapshot wrote, without a cluster',
    },
    since: {
      type: 'string',
      describe: 'Replay the controller over this much history, up to now (e.g. 3h), from the history API',
    },
    from: { type: 'string', describe: 'Replay from this time (RFC 3339, e.g. 2026-12-07T03:00:00Z)' },
    to: { type: 'string', describe: 'Replay up to this time (RFC 3339; default: now)' },
    step: {
      type: 'string',
      describe: "Time between two replayed passes (default: the controller's --sync-period, 15s)",
    },
    set: {
      type: 'string',
      array: true,
      nargs: 1,
      describe:
        'Replay once more with this change of the HPA spec, PATH=VALUE (target=800m, minReplicas=3, behavior.scaleDown.stabilizationWindowSeconds=60); repeatable',
    },
    ...CONTROLLER_FLAGS,
    ...WATCH,
  },
  examples: [
    ['$0 explain hpa -A', 'Every HPA of the cluster, one line each: the broken ones first, with their fix'],
    ['$0 explain hpa -n shop -l team=web -w', 'Some HPAs of one namespace, redrawn every 5s'],
    ['$0 explain hpa web -n shop', 'Why web has the replicas it has, metric by metric'],
    ['$0 explain hpa web -o json', 'The recomputed decision for scripts'],
    ['$0 explain hpa web --save-snapshot web.json', 'Explain, and keep what was read'],
    ['$0 explain hpa --from-snapshot web.json', 'The same explanation later, offline'],
    ['$0 explain hpa web --tolerance 0.05', 'With the controller flags your cluster sets'],
    ['$0 explain hpa web --since 3h', 'What the controller did over the last 3 hours, replayed step by step'],
    ['$0 explain hpa web --since 3h --set target=800m', 'And what it would have done with another target'],
  ],
  run: lazy(
    () => import('./commands/explain-hpa.ts'),
    (m, args, ctx) => m.runExplainHpa(ctx, args as never),
  ),
};

const doctor: CommandSpec = {
  name: 'doctor',
  describe:
    'Check that the metrics APIs are served, answer from Prometheus, and may be read by the HPA controller and by you',
  options: {
    'proxy-url': {
      type: 'string',
      describe:
        "cmetrics-proxy's own address (e.g. https://127.0.0.1:8443 after kubectl port-forward) to read its /readyz detail",
    },
    'controller-user': {
      type: 'string',
      default: 'system:serviceaccount:kube-system:horizontal-pod-autoscaler',
      describe:
        'The user the HPA controller runs as (system:kube-controller-manager without --use-service-account-credentials)',
    },
  },
  examples: [
    ['$0 doctor', 'Every check, with the fix for each that fails'],
    [
      '$0 doctor --proxy-url https://127.0.0.1:8443',
      "With the proxy's /readyz (kubectl -n cmetrics port-forward svc/cmetrics 8443:443)",
    ],
  ],
  run: lazy(
    () => import('./commands/doctor.ts'),
    (m, args, ctx) => m.runDoctor(ctx, args as never),
  ),
};

const migrateCheck: CommandSpec = {
  name: 'check',
  describe:
    "Before moving the metrics APIs to cmetrics: every HPA's decision from what it reads today and from cmetrics' answers to the same calls, side by side (exit 2 if any decision would change)",
  options: {
    'all-namespaces': {
      alias: 'A',
      type: 'boolean',
      default: false,
      describe: 'If present, check the HPAs of every namespace',
    },
    selector: { ...SELECTOR, describe: 'Only the HPAs with these labels (label query)' },
    output: {
      alias: 'o',
      choices: ['json', 'yaml'],
      describe: 'Print the comparison as json or yaml instead of the table',
    },
    'cmetrics-url': {
      type: 'string',
      demandOption: true,
      describe:
        "cmetrics-proxy's own address, reached with your credentials (e.g. https://127.0.0.1:8443 after kubectl -n cmetrics port-forward svc/cmetrics 8443:443)",
    },
    'cmetrics-ca-file': {
      type: 'string',
      demandOption: true,
      complete: 'file',
      describe: "The CA of cmetrics-proxy's serving certificate (the chart's or cert-manager's ca.crt)",
    },
    'cmetrics-tls-server-name': {
      type: 'string',
      describe:
        "The name cmetrics-proxy's certificate is checked for (e.g. cmetrics.cmetrics.svc); default: the URL's host",
    },
    groups: {
      type: 'string',
      array: true,
      nargs: 1,
      default: [],
      choices: ['resource', 'custom', 'external'],
      describe: 'The metrics groups to compare (repeatable); default: those prometheus-adapter serves',
    },
    ...CONTROLLER_FLAGS,
  },
  examples: [
    [
      '$0 migrate check -A --cmetrics-url https://127.0.0.1:8443 --cmetrics-ca-file ca.crt --cmetrics-tls-server-name cmetrics.cmetrics.svc',
      'Every HPA of the cluster, after kubectl -n cmetrics port-forward svc/cmetrics 8443:443',
    ],
    [
      '$0 migrate check -n shop -l team=web -o json --cmetrics-url https://127.0.0.1:8443 --cmetrics-ca-file ca.crt',
      'Some HPAs of one namespace, for scripts',
    ],
  ],
  run: lazy(
    () => import('./commands/migrate-check.ts'),
    (m, args, ctx) => m.runMigrateCheck(ctx, args as never),
  ),
};

export const PLUGIN: CommandSpec = {
  name: 'kubectl cmetrics',
  describe: 'Kubernetes metrics APIs, read the way kubectl reads them',
  options: {
    kubeconfig: {
      type: 'string',
      complete: 'file',
      describe: 'Path to the kubeconfig file to use for CLI requests',
    },
    context: { type: 'string', complete: 'contexts', describe: 'The name of the kubeconfig context to use' },
    namespace: {
      alias: 'n',
      type: 'string',
      complete: 'namespaces',
      describe: "If present, the namespace scope for this CLI request (default: the context's)",
    },
    'request-timeout': {
      type: 'string',
      default: '0',
      describe:
        "The length of time to wait before giving up on a single server request (e.g. 1s, 2m, 3h); 0 means don't time out",
    },
  },
  examples: [
    ['$0 top pods -A', 'Like kubectl top pods -A'],
    ['$0 list', 'The custom and external metrics the cluster serves'],
    ['$0 explain hpa web', 'Why the HPA web has the replicas it has'],
    ["$0 get custom 'pods/*' http_requests -l app=web", 'Raw values of a custom metric'],
  ],
  subcommands: [
    {
      name: 'top',
      describe: 'Display resource (CPU/memory) usage of pods, nodes or workloads',
      subcommands: [
        topPods,
        topNodes,
        topWorkloads('Deployment', 'deployments', ['deployment', 'deploy']),
        topWorkloads('StatefulSet', 'statefulsets', ['statefulset', 'sts']),
        topWorkloads('DaemonSet', 'daemonsets', ['daemonset', 'ds']),
        topWorkloads('Job', 'jobs', ['job']),
      ],
      examples: [
        ['$0 top pods', 'Pods in the current namespace'],
        ['$0 top nodes', 'All nodes'],
        ['$0 top deploy -A', 'Deployments of all namespaces, their pods added up'],
      ],
    },
    {
      name: 'get',
      describe: 'Print the raw values of the custom, external or resource metrics APIs',
      subcommands: [getCustom, getExternal, getResource],
      examples: [
        ["$0 get custom 'pods/*' http_requests", 'A custom metric of every pod'],
        ['$0 get external queue_depth', 'An external metric'],
        ['$0 get resource pods', 'CPU and memory, container by container'],
      ],
    },
    {
      name: 'list',
      describe:
        'List the metrics the custom and external metrics APIs serve, with the resources they describe',
      positionals: [
        {
          name: 'filter',
          describe: 'Only metrics whose name contains this',
          optional: true,
          complete: 'all-metrics',
        },
      ],
      options: {
        api: { choices: ['custom', 'external'], describe: 'Only the metrics of this API' },
      },
      examples: [
        ['$0 list', 'Every metric'],
        ['$0 list requests --api custom', 'Custom metrics whose name contains "requests"'],
      ],
      run: lazy(
        () => Promise.all([watch(), import('./commands/list.ts')]),
        ([w, m], args, ctx) => w.present(ctx, args, (s) => m.renderList(s, args as never)),
      ),
    },
    {
      name: 'explain',
      describe: 'Explain how an object uses the metrics APIs: hpa',
      subcommands: [explainHpa],
      examples: [['$0 explain hpa web', "Recompute web's scaling decision step by step"]],
    },
    doctor,
    {
      name: 'migrate',
      describe: 'Move the metrics APIs from prometheus-adapter to cmetrics: check first',
      subcommands: [migrateCheck],
      examples: [
        [
          '$0 migrate check -A --cmetrics-url https://127.0.0.1:8443 --cmetrics-ca-file ca.crt',
          "Would any HPA decide differently on cmetrics' values?",
        ],
      ],
    },
    {
      name: 'version',
      describe: "Print the plugin's version, commit, platform and runtime",
      options: {
        output: { alias: 'o', choices: ['json', 'yaml'], describe: 'Print the version as json or yaml' },
      },
      examples: [
        ['$0 version', 'One line: version, commit, platform, runtime'],
        ['$0 version -o json', 'The same as kubectl version --client -o json lays it out'],
      ],
      run: lazy(
        () => import('./commands/version.ts'),
        async (m, args, ctx) => {
          ctx.io.out(await m.renderVersion(m.clientVersion(), args.output as never));
          return 0;
        },
      ),
    },
    {
      name: 'completion',
      describe:
        "Print a shell completion script: bash, zsh or fish for kubectl-cmetrics, or kubectl for kubectl's plugin completion",
      positionals: [
        {
          name: 'shell',
          describe: 'bash, zsh, fish or kubectl',
          choices: ['bash', 'zsh', 'fish', 'kubectl'],
        },
      ],
      examples: [
        ['source <(kubectl-cmetrics completion bash)', 'Complete kubectl-cmetrics in bash'],
        [
          'kubectl cmetrics completion kubectl > ~/bin/kubectl_complete-cmetrics && chmod +x ~/bin/kubectl_complete-cmetrics',
          'Complete `kubectl cmetrics …` (kubectl ≥ 1.26 runs kubectl_complete-cmetrics from PATH)',
        ],
      ],
      run: lazy(
        () => import('./completion/scripts.ts'),
        async (m, args, ctx) => {
          ctx.io.out(m.completionScript(args.shell as never));
          return 0;
        },
      ),
    },
  ],
};
