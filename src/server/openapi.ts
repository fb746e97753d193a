/**
 * @module server/openapi
 * The OpenAPI 3.1 document, generated from the same command specs that build the routes, so the document
 * cannot drift from what the server accepts: GET parameters go in the query, POST/DELETE in a JSON body.
 */
import { restRoute, type CommandSpec } from '../core/command.ts';
import { parametersOf } from './input.ts';

type Schema = Record<string, unknown>;

function schemaOf(param: ReturnType<typeof parametersOf>[number]): Schema {
  const item: Schema = param.numeric ? { type: 'number' } : { type: 'string' };
  if (param.spec.choices) item.enum = [...param.spec.choices];
  const base: Schema = param.kind === 'boolean' ? { type: 'boolean' } : param.kind === 'list' ? { type: 'array', items: item } : item;
  const fallback = 'default' in param.spec ? param.spec.default : undefined;
  return { ...base, description: param.spec.description, ...(fallback !== undefined ? { default: fallback } : {}) };
}

const errorSchema = {
  type: 'object',
  required: ['ok', 'error'],
  properties: {
    ok: { const: false },
    error: {
      type: 'object',
      required: ['kind', 'message', 'exitCode'],
      properties: {
        kind: { enum: ['unauthorized', 'forbidden', 'rate_limited', 'not_found', 'usage', 'config', 'unsupported', 'user', 'backend', 'internal'] },
        message: { type: 'string' },
        hint: { type: 'string' },
        exitCode: { type: 'integer' },
      },
    },
  },
};

const resultSchema = {
  type: 'object',
  required: ['ok', 'data', 'exitCode'],
  properties: {
    ok: { type: 'boolean', description: 'false when some items of a bulk command failed (HTTP 207); data holds the per-item results' },
    data: { description: "The command's data, as `cm --output json` prints it" },
    exitCode: { type: 'integer', description: 'The exit code `cm` would end with' },
    message: { type: 'string' },
  },
};

export function openApiDocument(specs: readonly CommandSpec[], version: string): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const spec of specs) {
    const route = restRoute(spec);
    if (!route) continue;
    const params = parametersOf(spec);
    const operation: Schema = {
      operationId: spec.path.join('_'),
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: [spec.path[0]],
      responses: {
        200: { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Result' } } } },
        207: { description: 'some items failed (per-item results in data)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Result' } } } },
        default: { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    };
    const dryRun = spec.destructive ? { dryRun: { type: 'boolean', description: 'Return the plan and change nothing' } } : {};
    if (route.method === 'GET') {
      operation.parameters = params.map((p) => ({
        name: p.key,
        in: 'query',
        required: !!p.spec.required,
        ...(p.kind === 'list' ? { style: 'form', explode: true } : {}),
        schema: schemaOf(p),
      }));
    } else {
      const required = params.filter((p) => p.spec.required).map((p) => p.key);
      operation.requestBody = {
        required: required.length > 0,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              additionalProperties: false,
              properties: { ...Object.fromEntries(params.map((p) => [p.key, schemaOf(p)])), ...dryRun },
              ...(required.length ? { required } : {}),
            },
          },
        },
      };
    }
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'cloudmesh', version, description: 'Every route is a `cm` command; the same input, the same exit semantics.' },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }, { session: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'The token `cm server token` prints' },
        session: { type: 'apiKey', in: 'cookie', name: 'cm_session', description: 'Portal session after two-factor login; changes also need X-CSRF-Token' },
      },
      schemas: { Result: resultSchema, Error: errorSchema },
    },
  };
}
