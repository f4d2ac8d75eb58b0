// bench:web runs through jest only to reuse the e2e servers in TypeScript; it is not a test.
/* eslint-disable @typescript-eslint/no-require-imports -- jest loads its config as CommonJS */
const path = require('path');
const base = require('../jest.config.js');

module.exports = { ...base, rootDir: path.join(__dirname, '..'), testMatch: ['<rootDir>/e2e/**/*.bench.ts'], testTimeout: 600000 };
