import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTIONS } from './manifest';

// One name per deployed function: `selectGpu` is deployed as selectGpu, lives in
// functions/src/steps/select-gpu/ and, as a Pub/Sub step, listens on deployment-select-gpu. A new
// function that breaks the pattern fails here instead of adding a sixth spelling.

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const steps = join(__dirname, '..', 'steps');

describe('deployed function names', () => {
  it.each(FUNCTIONS.filter((f) => f.name !== 'api').map((f) => [f.name, f] as const))(
    '%s lives in steps/ under its own name',
    (name) => {
      expect(existsSync(join(steps, kebab(name)))).toBe(true);
    },
  );

  it.each(
    FUNCTIONS.flatMap((f) => (f.trigger.kind === 'pubsub' ? [[f.name, f.trigger.topic]] : [])),
  )('the %s step listens on deployment-<its name>', (name, topic) => {
    expect(topic).toBe(`deployment-${kebab(name)}`);
  });
});
