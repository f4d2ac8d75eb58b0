// Lint rules, including the dependency rules of docs/ARCHITECTURE.md (DESIGN.md "Dependency rules").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const apps = ['@imaging/api', '@imaging/worker', '@imaging/web'];
const noApps = { group: apps.map((a) => `${a}*`), message: 'packages and apps never import an app (rule 1)' };
const noProtocols = {
  group: ['express', 'express/*', '@apollo/*', 'graphql', 'graphql/*', 'type-graphql', '@prisma/*', 'pg', 'bullmq', 'ioredis', '@imaging/db', '@imaging/jobs'],
  message: 'dicom and ml are pure: no HTTP, GraphQL, Prisma or queues (rule 2)',
};
const noPrisma = { group: ['@prisma/*', '.prisma/*'], message: 'only packages/db imports Prisma (rule 3)' };

export default tseslint.config(
  { ignores: ['**/dist/**', '**/generated/**', '**/.next/**', '**/node_modules/**', '**/next-env.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'only packages/config reads process.env (rule 3)' }],
      'no-restricted-imports': ['error', { patterns: [noApps, noPrisma] }],
    },
  },
  { files: ['apps/web/**'], languageOptions: { globals: { ...globals.browser } } },
  { files: ['packages/config/**', '**/*.test.ts', 'apps/web/**', 'scripts/src/**', 'test/**'], rules: { 'no-restricted-properties': 'off' } },
  { files: ['test/**'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['scripts/src/**'], rules: { 'no-restricted-imports': ['error', { patterns: [noPrisma] }] } },
  { files: ['packages/db/**'], rules: { 'no-restricted-imports': ['error', { patterns: [noApps] }] } },
  { files: ['packages/dicom/**', 'packages/ml/**'], rules: { 'no-restricted-imports': ['error', { patterns: [noApps, noPrisma, noProtocols] }] } },
);
