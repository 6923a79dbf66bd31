// The CLI's building blocks, for scripts that drive visgate from TypeScript.
export { createApiClient, problemMessage, type ApiClient } from './api-client';
export { resolveConfig, type CliConfig } from './config';
export { CliError } from './errors';
export { followDeployment } from './follow';
export { createProgress, formatTable } from './render';
