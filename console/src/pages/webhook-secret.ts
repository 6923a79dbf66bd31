/**
 * A new deployment's webhook signing secret, shown once on its page: kept in memory only (never in
 * storage), handed from the form to the deployment page and dropped when read.
 */
const secrets = new Map<string, string>();

export function rememberWebhookSecret(id: string, secret: string): void {
  secrets.set(id, secret);
}

export function takeWebhookSecret(id: string): string | null {
  const s = secrets.get(id) ?? null;
  secrets.delete(id);
  return s;
}
