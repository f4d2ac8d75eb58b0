import { defineConfig } from 'prisma/config';
import { createAdapter } from './src/adapter';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: '../../prisma/schema.prisma',
  migrations: { path: '../../prisma/migrations' },
  adapter: async () => createAdapter(requireDatabaseUrl()),
});

function requireDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL must be set for Prisma CLI commands (npm start sets it for the embedded database)');
  return url;
}
