export * from './parse/errors';
export * from './parse/transfer-syntax';
export * from './parse/parse-instance';
export { expectedNativeBytes } from './parse/pixel-checks';
export * from './write/part10-writer';
export * from './write/synthetic-ct';
export * from './json/dicom-json';
export * from './parse/frames';
export * from './decode/decode';
