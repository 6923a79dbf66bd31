export { startRunPodSim, type RunPodSim } from './runpod-sim';
export type {
  AccountSnapshot,
  EndpointRecord,
  JobRecord,
  Plane,
  RecordedCall,
  RecordedResponse,
  RunPodSimOptions,
  TemplateRecord,
  WorkerRecord,
  WorkerStatus,
} from './sim-types';
export { DEFAULT_OPTIONS } from './sim-types';
export { SIM_GPU_POOLS, type SimGpuPool, type SimGpuCard } from './gpu-catalog';
export { specValidator, type SpecValidator } from './openapi-spec';
export { simulatedPng } from './sim-image';
