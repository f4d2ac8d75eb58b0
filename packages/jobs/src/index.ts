export * from './connection';
export * from './preprocess';
export * from './queues';
