import type { RequestHandler } from 'express';
import { AppError } from '@visgate/shared';
import { declaredMethods, openApiDocument } from './openapi';

/**
 * A method the OpenAPI document does not declare for a known path: OPTIONS answers 204 with `Allow`,
 * anything else 405 METHOD_NOT_ALLOWED with `Allow` (RFC 9110 §15.5.6). The document is the only
 * list of routes and methods, so the two cannot disagree.
 */
export function methodNotAllowed(): RequestHandler {
  const routes = declaredMethods(openApiDocument(''));
  return (req, res, next) => {
    const route = routes.find((r) => r.pattern.test(req.path));
    if (route === undefined || route.allow.includes(req.method)) {
      next();
      return;
    }
    res.setHeader('Allow', route.allow.join(', '));
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next(
      new AppError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here`, {
        details: { allow: route.allow },
      }),
    );
  };
}
