// The web app's tests: unit tests of lib/ (mask packing, measurements, presets), and the
// end-to-end tests in e2e/ (real API in-process, `next start` on the production build, Debian
// chromium; they need `npm run build -w @imaging/web` first, which turbo runs before test).
const preset = require('../../jest.preset.js')(__dirname); // eslint-disable-line @typescript-eslint/no-require-imports -- jest loads its config as CommonJS

module.exports = { ...preset, testMatch: ['<rootDir>/e2e/**/*.test.ts', '<rootDir>/lib/**/*.test.ts'], testTimeout: 180000, maxWorkers: 1 };
