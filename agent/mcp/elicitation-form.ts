// An MCP elicitation's requested schema as a form a terminal can ask field
// by field, and each typed answer checked against its field. Pure.

export interface FormField {
  name: string;
  label: string;
  description: string;
  type: "string" | "number" | "integer" | "boolean";
  required: boolean;
  choices: string[] | null;
  default: unknown;
}

interface PropertySchema {
  type?: string;
  title?: string;
  description?: string;
  enum?: unknown[];
  oneOf?: { const?: unknown; title?: string }[];
  default?: unknown;
}

/** The fields of a requested schema (flat object of primitives, as MCP allows), in order. */
export function formFields(schema: { properties?: Record<string, unknown>; required?: string[] }): FormField[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, raw]) => {
    const p = raw as PropertySchema;
    const choices = p.enum
      ? p.enum.map(String)
      : p.oneOf?.every((o) => o.const !== undefined)
        ? p.oneOf.map((o) => String(o.const))
        : null;
    const type = p.type === "number" || p.type === "integer" || p.type === "boolean" ? p.type : "string";
    return {
      name,
      label: p.title ?? name,
      description: p.description ?? "",
      type,
      required: required.has(name),
      choices,
      default: p.default,
    };
  });
}

/** One typed answer as the field's value; undefined for an empty optional answer. */
export function parseField(
  f: FormField,
  text: string,
): { ok: true; value: string | number | boolean | undefined } | { ok: false; error: string } {
  const t = text.trim();
  if (!t) {
    if (f.default !== undefined) return { ok: true, value: f.default as string | number | boolean };
    return f.required ? { ok: false, error: `${f.label} is required` } : { ok: true, value: undefined };
  }
  if (f.choices && !f.choices.includes(t)) return { ok: false, error: `choose one of ${f.choices.join(", ")}` };
  switch (f.type) {
    case "boolean":
      if (/^(y|yes|true)$/i.test(t)) return { ok: true, value: true };
      if (/^(n|no|false)$/i.test(t)) return { ok: true, value: false };
      return { ok: false, error: "answer yes or no" };
    case "number":
    case "integer": {
      const n = Number(t);
      if (!Number.isFinite(n) || (f.type === "integer" && !Number.isInteger(n)))
        return { ok: false, error: `expected ${f.type === "integer" ? "a whole number" : "a number"}` };
      return { ok: true, value: n };
    }
    default:
      return { ok: true, value: t };
  }
}
