/** Public surface of web: other subsystems import only from here. */
export { APP_SCHEME, APP_SCHEME_PRIVILEGES, chooseRendererEntry, createAppProtocolHandler } from './app-protocol';
export { type WebServer, startWebServer } from './server';
export { buildCsp, signallingSources } from './static';
