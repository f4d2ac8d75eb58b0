// End-to-end test of the web app: real API (in-process), `next start` on the production build,
// Debian chromium. Needs `npm run build -w @imaging/web` first (turbo runs build before test).
const preset = require('../../jest.preset.js')(__dirname); // eslint-disable-line @typescript-eslint/no-require-imports -- jest loads its config as CommonJS

module.exports = { ...preset, testMatch: ['<rootDir>/e2e/**/*.test.ts'], testTimeout: 180000, maxWorkers: 1 };
