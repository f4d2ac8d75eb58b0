const preset = require('../jest.preset.js')(__dirname);
module.exports = { ...preset, testMatch: ['<rootDir>/e2e/**/*.test.ts'], testTimeout: 180000, maxWorkers: 1 };
