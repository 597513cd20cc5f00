/**
 * The layering check of src/, as a `deno lint` plugin (rule `looop/layers`): every relative import (and every
 * `new URL(…, import.meta.url)`) must point the way the layout allows, and only sys/, cli/ and main.ts may touch the
 * OS (the global `Deno`, `node:` modules). Deno's own parser reads the code, so a `Deno.exit` in a comment, a string
 * or a template's text is only words. Files outside src/ and tests (`*_test.ts`) are not checked.
 * Run: `./deno lint` (deno.json lists this file under "lint" → "plugins"); tests/tools/layers_test.ts tests it.
 */

/** The features: each stands on store, sys and core, and never on another feature. */
const FEATURES = ["sensor", "decider", "executor", "supervisor", "mailbox", "cost"] as const;

/** What every part may import besides itself: the pure domain and the text assets. */
const EVERYONE: readonly string[] = ["core", "texts"];

/**
 * Part (top folder of src/, or a root file's stem) → the other parts it may import, on top of EVERYONE.
 * texts is an asset folder: it gets only EVERYONE, so it may import core and nothing else.
 * One exception, in LOCATES below: src/sys/self.ts finds ../main.ts by `new URL` to run looop itself again (a path
 * handed to a new process, not an import); sys may still not `import` main.
 */
const LAYOUT: Readonly<Record<string, readonly string[]>> = {
  core: [],
  texts: [],
  sys: [],
  store: ["sys"],
  ...Object.fromEntries(FEATURES.map((f) => [f, ["store", "sys"]])),
  pulse: [...FEATURES, "store", "sys"],
  // The `_ state` read model: as low as pulse, but not on it, so it starts without the loop.
  state: [...FEATURES, "store", "sys"],
  cli: ["pulse", "state", ...FEATURES, "store", "sys"],
  main: ["cli", "sys"],
};

/** Part → the parts it may only locate by `new URL("…", import.meta.url)`, on top of what it may import. */
const LOCATES: Readonly<Record<string, readonly string[]>> = {
  sys: ["main"], // sys/self.ts: the entry point to re-run from source
};

/** The parts that may use the OS directly; everything else gets it through sys/ (and is testable without it). */
const OS_PARTS: ReadonlySet<string> = new Set(["sys", "cli", "main"]);

const TEST_FILE = /[._]test\.[cm]?[jt]sx?$/;

const HINT = "The layout is in ../shared/STYLE.md and tools/layers_plugin.ts (LAYOUT); " +
  "if it should change, say so in a note rather than working around it.";

type Node = Deno.lint.Node;

/** How an edge was written: `import`/`export … from`/`import()`/`typeof import()`, `new URL`, import.meta.resolve. */
type How = "import" | "url" | "resolve";

/** The plugin for the tree whose sources are `<root>/src/`. The default export is this repo's. */
export function layersPlugin(root: string): Deno.lint.Plugin {
  const src = `${root.replace(/\/+$/, "")}/src/`;
  return {
    name: "looop",
    rules: {
      layers: {
        create(ctx) {
          if (!ctx.filename.startsWith(src) || TEST_FILE.test(ctx.filename)) return {};
          const rel = ctx.filename.slice(src.length);
          const me = partOf(rel);
          const known = Object.hasOwn(LAYOUT, me);
          const report = (node: Node, message: string) => ctx.report({ node, message, hint: HINT });

          const edge = (node: Node | null | undefined, how: How) => {
            const spec = stringOf(node);
            if (node === null || node === undefined || spec === undefined) return;
            if (spec.startsWith("node:")) {
              if (!OS_PARTS.has(me)) report(node, `${spec} import outside sys/ and cli/`);
              return;
            }
            if (!spec.startsWith("./") && !spec.startsWith("../")) return; // npm:, jsr:, mapped names: anywhere
            const by = how === "url" ? ", by new URL" : how === "resolve" ? ", by import.meta.resolve" : "";
            const target = resolve(rel, spec);
            if (target === null) return report(node, `${me} reaches outside src/ (${spec}${by})`);
            const them = partOf(target);
            if (them === me || !known || EVERYONE.includes(them) || LAYOUT[me].includes(them)) return;
            if (how === "url" && LOCATES[me]?.includes(them)) return;
            report(node, `${me} imports ${them} (${spec}${by})`);
          };

          return {
            Program() {
              if (known) return;
              const shown = rel.includes("/") ? `src/${me}/` : `src/${rel}`;
              // On the file's first line (the Program node starts after any leading comment).
              const text = ctx.sourceCode.text;
              const firstLine: Deno.lint.Range = [0, text.includes("\n") ? text.indexOf("\n") : text.length];
              ctx.report({ range: firstLine, message: `${shown} is not in the layout`, hint: HINT });
            },
            ImportDeclaration: (node) => edge(node.source, "import"),
            ExportNamedDeclaration: (node) => edge(node.source, "import"),
            ExportAllDeclaration: (node) => edge(node.source, "import"),
            ImportExpression: (node) => edge(node.source, "import"),
            TSImportType: (node) =>
              edge(node.argument.type === "TSLiteralType" ? node.argument.literal : null, "import"),
            NewExpression(node) {
              const [spec, base] = node.arguments;
              const url = node.callee.type === "Identifier" && node.callee.name === "URL";
              if (url && base !== undefined && isImportMeta(base, "url")) edge(spec, "url");
            },
            CallExpression(node) {
              if (isImportMeta(node.callee, "resolve")) edge(node.arguments[0], "resolve");
            },
            Identifier(node) {
              if (node.name !== "Deno" || OS_PARTS.has(me) || isNameOnly(node)) return;
              report(node, `${memberChain(node)} outside sys/ and cli/`);
            },
          };
        },
      },
    },
  };
}

/** A path under src/ → its part: the top folder, or the stem of a file at the top (main.ts → main). */
function partOf(rel: string): string {
  const slash = rel.indexOf("/");
  return slash >= 0 ? rel.slice(0, slash) : rel.replace(/\.[^.]*$/, "");
}

/** A relative specifier of the file at `from` (both relative to src/) → the target relative to src/, or null outside. */
function resolve(from: string, spec: string): string | null {
  const segs = from.split("/").slice(0, -1);
  for (const seg of spec.replace(/[?#].*$/, "").split("/")) {
    if (seg === "..") {
      if (segs.length === 0) return null;
      segs.pop();
    } else if (seg !== "." && seg !== "") segs.push(seg);
  }
  return segs.length === 0 ? null : segs.join("/");
}

/** A string literal's value, or a substitution-free template's (`import(\`./x.ts\`)`); else undefined. */
function stringOf(node: Node | null | undefined): string | undefined {
  if (node?.type === "Literal" && typeof node.value === "string") return node.value;
  if (node?.type === "TemplateLiteral" && node.expressions.length === 0) return node.quasis[0].cooked;
  return undefined;
}

/** Whether node is `import.meta.<prop>`. */
function isImportMeta(node: Node, prop: string): boolean {
  return node.type === "MemberExpression" && !node.computed && node.object.type === "MetaProperty" &&
    node.object.meta.name === "import" && node.property.type === "Identifier" && node.property.name === prop;
}

/**
 * Whether this identifier is only a name (a property or member key, a label, an import's or export's outer name)
 * rather than a reference to a binding: `x.Deno`, `{ Deno: 1 }`, `A.Deno` as a type and `import("x").Deno` are names.
 */
function isNameOnly(node: Deno.lint.Identifier): boolean {
  const p = node.parent;
  switch (p.type) {
    case "MemberExpression":
      return p.property === node && !p.computed;
    case "TSQualifiedName": {
      if (p.right === node) return true;
      // The left end of `import("x").Deno.T` names a member of that module, not the global.
      let top: Node = p;
      while (top.parent.type === "TSQualifiedName") top = top.parent;
      return top.parent.type === "TSImportType" && top.parent.qualifier === top;
    }
    case "TSImportType":
      return p.qualifier === node;
    case "Property":
    case "PropertyDefinition":
    case "MethodDefinition":
    case "TSAbstractPropertyDefinition":
    case "TSAbstractMethodDefinition":
    case "TSPropertySignature":
    case "TSMethodSignature":
      // A shorthand `{ Deno }` has a second Identifier as its value, which is the reference.
      return p.key === node && !p.computed;
    case "ImportAttribute":
    case "TSMappedType":
      return p.key === node;
    case "TSEnumMember":
      return p.id === node;
    case "ImportSpecifier":
      return p.imported === node && p.local !== node;
    case "ExportSpecifier":
      return p.exported === node && p.local !== node;
    case "LabeledStatement":
    case "BreakStatement":
    case "ContinueStatement":
    case "TSNamedTupleMember":
      return p.label === node;
    default:
      return false;
  }
}

/** `Deno` and the member names after it: `Deno.env.get`, `Deno.errors.NotFound` (a type), or just `Deno`. */
function memberChain(node: Deno.lint.Identifier): string {
  let name = node.name;
  let at: Node = node;
  for (;;) {
    const p: Node = at.parent;
    if (p.type === "MemberExpression" && p.object === at && !p.computed && p.property.type === "Identifier") {
      name += `.${p.property.name}`;
    } else if (p.type === "TSQualifiedName" && p.left === at) {
      name += `.${p.right.name}`;
    } else return name;
    at = p;
  }
}

export default layersPlugin(decodeURIComponent(new URL("..", import.meta.url).pathname));
