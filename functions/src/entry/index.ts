import { buildGcpDeps } from '../compose-gcp';
import { loadConfig } from '../config';
import { registerFunctions } from './register';

// The deployed package's main: one cold start parses config and builds the clients once, then every
// function is registered and functions-framework serves the one named by --target / FUNCTION_TARGET.
const { deps, scanner } = buildGcpDeps(loadConfig());
registerFunctions(deps, scanner);
