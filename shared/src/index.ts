export * from './errors';
export * from './ids';
export * from './schemas/create-deployment';
export * from './schemas/deployment';
export * from './deployment/state-machine';
export * from './memory/safetensors';
