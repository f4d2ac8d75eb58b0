export * from './metrics';
export * from './http';
export * from './graphql';
export * from './bullmq';
