export { createApiServer, type ApiServer } from './server';
