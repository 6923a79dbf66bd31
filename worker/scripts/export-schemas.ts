/** Writes the JSON the Python worker reads (see shared/src/job/worker-export.ts). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKER_SCHEMA_DIR, workerSchemaFiles } from '../../shared/src/job/worker-export';

const root = join(__dirname, '..', '..');
for (const [name, text] of Object.entries(workerSchemaFiles())) {
  writeFileSync(join(root, WORKER_SCHEMA_DIR, name), text);
  console.log(`wrote ${WORKER_SCHEMA_DIR}/${name}`);
}
