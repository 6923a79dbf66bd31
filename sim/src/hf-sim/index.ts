export { startHfSim } from './hf-sim';
export type { HfSim, HfSimOptions, HfSimRequest, HfSimRequestKind, HfSimUser } from './hf-sim';
export type { HfSimSwitches } from './fault-plan';
export { FIXTURES, PARAMS } from './fixtures';
export type { FixtureFile, RepoFixture, SimDtype, TensorSpec } from './repo-fixture';
export { buildSafetensors } from './safetensors-bytes';
