/**
 * `@visgate/shared/testing`: builders for tests, kept off the package's public surface so product
 * code cannot reach them (lint bans this subpath outside tests).
 */
export { aDeployment } from './a-deployment';
