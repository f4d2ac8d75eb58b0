export * from './password';
export * from './tokens';
export * from './permissions';
export * from './credentials';
