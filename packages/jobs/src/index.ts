export * from './connection';
export * from './preprocess';
export * from './infer';
export * from './queues';
export * from './retrain';
export * from './export';
export * from './model-upload';
export * from './maintenance';
