// A REST client that sends each GET once and hands every caller the same answer: when many HPAs are
// explained together, those that share a metric, a target's scale or a discovery document read it once.
import type { Query, RestClient } from './api.ts';

/** `rest` with its GETs shared by path and query (failures too: asking again would fail the same way). */
export function readOnce(rest: RestClient): RestClient {
  const answers = new Map<string, Promise<unknown>>();
  return {
    get<T>(path: string, query?: Query): Promise<T> {
      const entries = Object.entries(query ?? {}).filter((e): e is [string, string] => e[1] !== undefined);
      const key = `${path}?${new URLSearchParams(entries.sort()).toString()}`;
      let answer = answers.get(key);
      if (!answer) {
        answer = rest.get<T>(path, query);
        answers.set(key, answer);
      }
      return answer as Promise<T>;
    },
    post: (path, body) => rest.post(path, body),
  };
}
