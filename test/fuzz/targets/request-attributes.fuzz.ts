// Request path → request attributes (proxy/server/request-info.ts), as authorization sees them: never
// an exception, whatever the method, path and query; every attribute a string, the verb never empty.
// The input is "METHOD\nPATH\nQUERY".
import { requestAttributes } from '../../../proxy/server/request-info.ts';
import { invariant } from './contract.ts';

export function fuzz(data: Buffer): void {
  const [method = '', path = '', query = ''] = data.toString('utf8').split('\n');
  const a = requestAttributes(method, path, new URLSearchParams(query));
  invariant(
    Object.values(a).every((v) => typeof v === 'string'),
    'every attribute is a string',
  );
  invariant(a.verb !== '' || method === '', 'a request with a method has a verb');
}
