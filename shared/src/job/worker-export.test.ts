import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKER_SCHEMA_DIR, workerSchemaFiles } from './worker-export';

const root = join(__dirname, '..', '..', '..');

describe('the schemas exported to the Python worker', () => {
  it.each(Object.entries(workerSchemaFiles()))(
    '%s matches shared/ (run `npm run worker:export-schemas` when it does not)',
    (name, expected) => {
      const actual = readFileSync(join(root, WORKER_SCHEMA_DIR, name), 'utf8');
      expect(actual).toBe(expected);
    },
  );
});
