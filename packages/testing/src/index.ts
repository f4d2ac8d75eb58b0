export * from './database';
export * from './corpus';
export * from './services';
export * from './phantom';
export * from './net';
export * from './wait';
export * from './hostile';
export * from './fuzz';
