import { describe, expect, it } from 'vitest';
import { type CachedObject, slim } from '../../../proxy/kube/caches.ts';

describe('slim', () => {
  it('keeps what the metrics APIs read of a pod, and its resourceVersion', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'web-1',
        namespace: 'shop',
        labels: { app: 'web' },
        annotations: { 'kwok.x-k8s.io/usage-cpu': '20m' },
        resourceVersion: '42',
        uid: 'u-1',
        managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': {} } }],
      },
      spec: {
        nodeName: 'node-1',
        containers: [{ name: 'app', image: 'web:1', env: [{ name: 'A', value: 'b' }] }],
        initContainers: [
          { name: 'sidecar', image: 'proxy:1', restartPolicy: 'Always' },
          { name: 'init', image: 'busybox' },
        ],
      },
      status: { phase: 'Running', podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
    };
    slim(pod);
    expect(pod).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'shop', labels: { app: 'web' }, resourceVersion: '42' },
      spec: {
        containers: [{ name: 'app' }],
        initContainers: [{ name: 'sidecar', restartPolicy: 'Always' }, { name: 'init' }],
      },
      status: { phase: 'Running' },
    });
  });

  it('keeps the name of a cluster-scoped object without labels, and nothing it lacks', () => {
    const node = {
      metadata: { name: 'node-1', resourceVersion: '7', annotations: { a: 'b' } },
      status: { allocatable: { cpu: '4' } },
    };
    slim(node as CachedObject);
    expect(node).toEqual({ metadata: { name: 'node-1', resourceVersion: '7' }, status: {} });
  });
});
