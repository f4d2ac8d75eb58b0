export { startDimseServer, type DimseServer } from './server';
