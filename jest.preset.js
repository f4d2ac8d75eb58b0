// Shared jest setup: tests run the TypeScript sources through swc (with decorator metadata for
// type-graphql); workspace imports resolve to the sources, so tests never need a build first,
// except for the Prisma client, which `npm run build` generates.
const path = require('path');
const fs = require('fs');

const root = __dirname;
const moduleNameMapper = {};
for (const group of ['packages']) {
  for (const name of fs.readdirSync(path.join(root, group))) {
    moduleNameMapper[`^@imaging/${name}$`] = path.join(root, group, name, 'src');
  }
}

module.exports = (dir) => ({
  rootDir: dir,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'commonjs' },
    }],
  },
  moduleNameMapper,
  testTimeout: 60000,
  maxWorkers: process.env.CI ? 2 : '50%',
});
