// What gpu-check.js and gpu-retrain.js share: module resolution from a carried bundle and
// command-line options. Plain CommonJS: these scripts run on GPU hosts without a build.
//
// env: ML_NODE_MODULES  node_modules folder holding @imaging/ml (a carried bundle); otherwise the
//      normal resolution from this file is used.
'use strict';
const path = require('path');
const { createRequire } = require('module');

const req = process.env.ML_NODE_MODULES
  ? createRequire(path.join(path.resolve(process.env.ML_NODE_MODULES), '_resolve_from_here.js'))
  : require;

const argv = process.argv.slice(2);

/** The value after `--name` on the command line, or `fallback`. */
function opt(name, fallback) {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
}

module.exports = { req, argv, opt };
