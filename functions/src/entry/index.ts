import { buildGcpDeps } from '../wiring/gcp';
import { functionTarget, loadConfig } from '../config';
import { secretNeedsOf } from './manifest';
import { registerFunctions } from './register';

// The deployed package's main: one cold start parses config and builds the clients once, then every
// function is registered and functions-framework serves the one named by --target / FUNCTION_TARGET.
// Each function is given only its own secrets (the manifest's), so config asks only for those.
const needs = secretNeedsOf(functionTarget());
registerFunctions(buildGcpDeps(loadConfig(undefined, undefined, needs)));
