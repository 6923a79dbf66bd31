import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_SPECS } from './model-specs';
import { isSupportedPipelineClass, SUPPORTED_PIPELINE_CLASSES } from './supported-pipelines';

/** The file the worker's tiny-pipeline end-to-end test is table-driven from. */
const vectors = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'test-vectors', 'supported-pipelines.json'), 'utf8'),
) as { pipeline_classes: string[]; refused_examples: string[] };

describe('supported pipeline classes', () => {
  it('are exactly the list the worker tests are driven from', () => {
    expect(vectors.pipeline_classes).toEqual([...SUPPORTED_PIPELINE_CLASSES]);
  });

  it.each(vectors.refused_examples)('refuses %s', (cls) => {
    expect(isSupportedPipelineClass(cls)).toBe(false);
  });

  it('marks Kandinsky 2.2 unsupported in the model registry', () => {
    const kandinsky = MODEL_SPECS.find((s) => s.id === 'kandinsky-community/kandinsky-2-2-decoder');
    expect(kandinsky?.supported).toBe(false);
  });

  it('marks a registry model supported exactly when its pipeline class is', () => {
    for (const spec of MODEL_SPECS) {
      expect(spec.supported).toBe(isSupportedPipelineClass(spec.pipelineClass));
    }
  });
});
