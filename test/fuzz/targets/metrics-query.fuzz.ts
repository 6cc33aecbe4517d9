// metricsQuery templates (proxy/rules/template.ts): parseTemplate refuses, and execute fails, with a
// TemplateError only; what executes gives a string. Run on the arguments the adapter gives a query
// (proxy/rules/naming.ts templateArgs).
import { asStruct, parseTemplate, TemplateError } from '../../../proxy/rules/template.ts';
import { invariant, unlessRefused } from './contract.ts';

const ARGS = asStruct({
  Series: 'http_requests_total',
  LabelMatchers: 'namespace="default",pod=~"a|b"',
  LabelValuesByName: { namespace: 'default', pod: 'a|b' },
  GroupBy: 'pod',
  GroupBySlice: ['pod'],
});

export function fuzz(data: Buffer): void {
  const query = unlessRefused(
    () => parseTemplate(data.toString('utf8')).execute(ARGS),
    (e) => e instanceof TemplateError,
  );
  if (query !== undefined) invariant(typeof query === 'string', 'a template executes to a string');
}
