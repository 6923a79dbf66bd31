#!/usr/bin/env node
// Runs the TypeScript entry point through tsx (a dependency of this repo), so `npx visgate` works from a clone.
require('tsx/cjs');
require('../src/main.ts');
