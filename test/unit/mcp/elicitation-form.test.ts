import { describe, expect, it } from "vitest";
import { formFields, parseField, type FormField } from "../../../agent/mcp/elicitation-form.js";

describe("elicitation forms", () => {
  const fields = formFields({
    properties: {
      color: { type: "string", title: "Colour", enum: ["red", "green"] },
      count: { type: "integer", description: "how many", default: 2 },
      ok: { type: "boolean" },
      size: { type: "string", oneOf: [{ const: "s" }, { const: "m" }] },
      ratio: { type: "number" },
    },
    required: ["color", "ok"],
  });
  const f = (name: string) => fields.find((x) => x.name === name) as FormField;

  it("reads the requested schema into fields", () =>
    expect(fields).toEqual([
      {
        name: "color",
        label: "Colour",
        description: "",
        type: "string",
        required: true,
        choices: ["red", "green"],
        default: undefined,
      },
      {
        name: "count",
        label: "count",
        description: "how many",
        type: "integer",
        required: false,
        choices: null,
        default: 2,
      },
      { name: "ok", label: "ok", description: "", type: "boolean", required: true, choices: null, default: undefined },
      {
        name: "size",
        label: "size",
        description: "",
        type: "string",
        required: false,
        choices: ["s", "m"],
        default: undefined,
      },
      {
        name: "ratio",
        label: "ratio",
        description: "",
        type: "number",
        required: false,
        choices: null,
        default: undefined,
      },
    ]));

  it.each([
    ["color", "red", { ok: true, value: "red" }],
    ["color", "blue", { ok: false, error: "choose one of red, green" }],
    ["color", "", { ok: false, error: "Colour is required" }],
    ["count", "", { ok: true, value: 2 }],
    ["count", "3", { ok: true, value: 3 }],
    ["count", "2.5", { ok: false, error: "expected a whole number" }],
    ["ratio", "2.5", { ok: true, value: 2.5 }],
    ["ratio", "x", { ok: false, error: "expected a number" }],
    ["ok", "yes", { ok: true, value: true }],
    ["ok", "n", { ok: true, value: false }],
    ["ok", "maybe", { ok: false, error: "answer yes or no" }],
    ["size", "", { ok: true, value: undefined }],
  ])("%s %j -> %j", (name, text, want) => expect(parseField(f(name), text)).toEqual(want));
});
