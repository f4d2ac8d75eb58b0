export * from './slice-statistics';
export * from './model-domain';
export * from './check-domain';
