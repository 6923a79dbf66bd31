import { DEPLOYMENT_ID_PATTERN, type Deployment } from '@visgate/shared';

/** A RunPod endpoint or template as the sweep sees it. */
export interface SweptResource {
  kind: 'endpoint' | 'template';
  id: string;
  name: string;
}

const PREFIX = 'visgate-';

/** The deployment id a RunPod resource name points at, or null when it is not one of ours. */
export function deploymentIdOf(name: string): string | null {
  const id = name.startsWith(PREFIX) ? name.slice(PREFIX.length) : '';
  return DEPLOYMENT_ID_PATTERN.test(id) ? id : null;
}

/**
 * Templates that in-flight and live deployments recorded. RunPod's v2 `Endpoint` has no
 * `templateId` (the template is copied in at creation), so which template an endpoint came from is
 * known only from our own documents.
 */
export function recordedTemplates(docs: readonly Deployment[]): Set<string> {
  return new Set(docs.flatMap((d) => (d.template_id ? [d.template_id] : [])));
}

/**
 * The first look, from the resource alone: the deployment whose document decides, or null to keep
 * it without a look-up (a name that is not ours, or a template a live deployment recorded).
 */
export function deploymentToCheck(
  resource: SweptResource,
  recorded: ReadonlySet<string>,
): string | null {
  if (resource.kind === 'template' && recorded.has(resource.id)) return null;
  return deploymentIdOf(resource.name);
}

/**
 * The second look: whether a resource named after a deployment is an orphan, given that
 * deployment's document (null: there is none). Creation steps may be making it right now (their
 * lease covers it) and teardown is already on a deleting one, so both keep theirs; a loading,
 * ready or paused deployment keeps only the resource it recorded (any other is a duplicate from a
 * crashed attempt); a closed deployment keeps nothing.
 */
export function isOrphan(resource: SweptResource, doc: Deployment | null): boolean {
  if (!doc) return true;
  switch (doc.status) {
    case 'queued':
    case 'validating':
    case 'selecting_gpu':
    case 'provisioning':
    case 'deleting':
      return false;
    case 'loading':
    case 'ready':
    case 'paused':
      return (resource.kind === 'endpoint' ? doc.endpoint_id : doc.template_id) !== resource.id;
    case 'failed':
    case 'deleted':
      return true;
  }
}
