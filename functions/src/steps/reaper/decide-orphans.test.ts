import { type Deployment, type DeploymentStatus } from '@visgate/shared';
import { aDeployment } from '@visgate/shared/testing';
import {
  deploymentIdOf,
  deploymentToCheck,
  isOrphan,
  recordedTemplates,
  type SweptResource,
} from './decide-orphans';

const ID = 'dpl_aaaaaaaaaaaaaaaaaaaaaaaaaa';
const ours = (kind: SweptResource['kind'], id: string): SweptResource => ({
  kind,
  id,
  name: `visgate-${ID}`,
});
const doc = (status: DeploymentStatus): Deployment =>
  aDeployment({ deployment_id: ID, status, endpoint_id: 'ep-rec', template_id: 'tpl-rec' });

describe('deploymentIdOf', () => {
  it.each<[string, string | null]>([
    [`visgate-${ID}`, ID],
    ['visgate-dpl_short', null],
    [`my-visgate-${ID}`, null],
    [ID, null],
    ['my-own-endpoint', null],
  ])('%s → %s', (name, id) => {
    expect(deploymentIdOf(name)).toBe(id);
  });
});

describe('deploymentToCheck', () => {
  const recorded = new Set(['tpl-rec']);
  it.each<[string, SweptResource, string | null]>([
    ['a resource named after a deployment is checked against it', ours('endpoint', 'ep-x'), ID],
    ['an unrecorded template of ours is checked', ours('template', 'tpl-x'), ID],
    [
      'a template recorded by a live deployment is kept without a look-up',
      ours('template', 'tpl-rec'),
      null,
    ],
    [
      "a resource with another name is the user's own and never looked at",
      { kind: 'endpoint', id: 'ep-u', name: 'my-own-endpoint' },
      null,
    ],
  ])('%s', (_name, resource, expected) => {
    expect(deploymentToCheck(resource, recorded)).toBe(expected);
  });
});

describe('isOrphan', () => {
  it.each<[string, SweptResource, Deployment | null, boolean]>([
    ['no document behind the name: orphan', ours('endpoint', 'ep-x'), null, true],
    ...(['queued', 'validating', 'selecting_gpu', 'provisioning'] as const).map(
      (s): [string, SweptResource, Deployment, boolean] => [
        `${s}: kept, the creation step may be making it right now`,
        ours('endpoint', 'ep-x'),
        doc(s),
        false,
      ],
    ),
    ['deleting: kept, teardown is on it', ours('template', 'tpl-x'), doc('deleting'), false],
    ...(['loading', 'ready', 'paused'] as const).flatMap(
      (s): [string, SweptResource, Deployment, boolean][] => [
        [`${s}: its recorded endpoint is kept`, ours('endpoint', 'ep-rec'), doc(s), false],
        [`${s}: its recorded template is kept`, ours('template', 'tpl-rec'), doc(s), false],
        [
          `${s}: a second endpoint from a crashed attempt is an orphan`,
          ours('endpoint', 'ep-dup'),
          doc(s),
          true,
        ],
        [`${s}: an unrecorded template is an orphan`, ours('template', 'tpl-dup'), doc(s), true],
      ],
    ),
    ['failed: everything left is an orphan', ours('endpoint', 'ep-rec'), doc('failed'), true],
    ['deleted: everything left is an orphan', ours('template', 'tpl-rec'), doc('deleted'), true],
  ])('%s', (_name, resource, d, expected) => {
    expect(isOrphan(resource, d)).toBe(expected);
  });
});

describe('recordedTemplates', () => {
  it('collects the templates the given deployments recorded, skipping those with none', () => {
    const docs = [
      aDeployment({ template_id: 'tpl-1' }),
      aDeployment({ template_id: null }),
      aDeployment({ template_id: 'tpl-2' }),
    ];
    expect([...recordedTemplates(docs)].sort()).toEqual(['tpl-1', 'tpl-2']);
  });
});
