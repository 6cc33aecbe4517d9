// Any error that reaches the user, as the one line printed after "error: ". A failed request says what
// is wrong and what to do (hints/failures.ts); a 503 from a metrics group looks up its APIService.
import { type KubeApi, RequestFailed } from '../cluster/api.ts';
import { groupProblem } from '../cluster/discovery.ts';
import { CliError, oneLine } from '../errors.ts';
import { requestFailureLine } from '../hints/failures.ts';

/** `e` as one line; with `api`, a 503 asks the cluster which APIService is down. */
export async function describeError(e: unknown, api: KubeApi | undefined): Promise<string> {
  if (e instanceof CliError) return e.message;
  if (!(e instanceof RequestFailed)) return oneLine((e as Error).message ?? String(e));
  if (e.code === 503 && e.target && api) return groupProblem(api, e.target.group);
  return requestFailureLine({ code: e.code, message: e.status?.message ?? e.message, target: e.target });
}
