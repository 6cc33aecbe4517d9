#!/usr/bin/env node
// kubectl-cmetrics as the npm package ships it: checks Node's version before it loads the bundle, whose
// syntax an older Node may not parse (it would print the minified source beside a SyntaxError).
// Kept to syntax that old Nodes parse; scripts/build.ts sets REQUIRED_NODE from package.json's engines.
declare const REQUIRED_NODE: number;

if (Number(process.versions.node.split('.')[0]) < REQUIRED_NODE) {
  process.stderr.write(
    `error: kubectl-cmetrics needs Node.js ${REQUIRED_NODE} or later, and ${process.execPath} is ${process.version}; install Node.js ${REQUIRED_NODE}, or use a release archive (no Node needed)\n`,
  );
  process.exit(1);
} else {
  // A computed specifier, so that the bundler leaves the import to run time.
  void import(new URL('./kubectl-cmetrics.bundle.js', import.meta.url).href);
}
