import Value from 'typebox/value';
import type { TSchema } from 'typebox';

interface SchemaError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

/**
 * Turns schema validation errors into one line per fault, "<key path>: <what is wrong>".
 * Unknown keys are reported with the keys allowed there, since they are nearly always typos.
 */
export function describeSchemaErrors(schema: TSchema, value: unknown): string[] {
  const errors = Value.Errors(schema, value) as SchemaError[];
  const lines: string[] = [];
  for (const error of errors) {
    // Each unknown key also yields a "schema is false" error; the additionalProperties one says it better.
    if (error.keyword === 'boolean') continue;
    if (error.keyword === 'additionalProperties') {
      const unknown = (error.params['additionalProperties'] as string[] | undefined) ?? [];
      const allowed = allowedKeys(schema, error.schemaPath);
      for (const key of unknown) {
        lines.push(`${keyPath(`${error.instancePath}/${escapePointer(key)}`)}: unknown key (allowed: ${allowed.join(', ')})`);
      }
      continue;
    }
    lines.push(`${keyPath(error.instancePath)}: ${error.message}`);
  }
  return [...new Set(lines)];
}

/** "/profiles/echo/command/0" → "profiles.echo.command[0]"; the root is "(top level)". */
export function keyPath(instancePath: string): string {
  if (instancePath === '') return '(top level)';
  let out = '';
  for (const raw of instancePath.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(token) ? `[${token}]` : out === '' ? token : `.${token}`;
  }
  return out;
}

function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function allowedKeys(schema: TSchema, schemaPath: string): string[] {
  let node: unknown = schema;
  for (const raw of schemaPath.replace(/^#\/?/, '').split('/').filter((t) => t !== '')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[token] : undefined;
  }
  const properties = node !== null && typeof node === 'object' ? (node as { properties?: object }).properties : undefined;
  return properties ? Object.keys(properties) : [];
}
