export * from './connection';
export * from './preprocess';
export * from './infer';
export * from './queues';
